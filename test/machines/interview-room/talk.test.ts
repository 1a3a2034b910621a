import { expect } from 'chai'
import { persistSnapshot, restoreSnapshot, roomStatus } from '../../../machines/interview-room/index'
import { RoomFactSchema } from '../../../src/rooms/room-facts.schema'
import { cmd, given, history, iso, rooms, time, when } from './room.fixtures'

describe('interview room: what was said aloud, and who talked how long', () => {
  it('a spoken message says it was spoken, when it began and how long it lasted', () => {
    const voice = { type: 'recordCandidateMessage', pc_id: 'pc-1', text: 'A hash map.', source: 'voice', started_at: iso(17_000), duration_ms: 2_400 } as const
    expect(when(rooms.running(), 20_000, voice).facts).to.deep.equal([
      { type: 'candidate_message', pc_id: 'pc-1', text: 'A hash map.', sequence: 10, at: iso(20_000), source: 'voice', started_at: iso(17_000), duration_ms: 2_400 },
    ])
  })

  it('a typed message keeps the shape it always had', () => {
    expect(when(rooms.running(), 20_000, cmd.candidateSays('pc-1')).facts[0]).to.deep.equal({ type: 'candidate_message', pc_id: 'pc-1', text: 'I would use a hash map', sequence: 10, at: iso(20_000) })
  })

  it('talk_recorded counts in the phase under way, for the candidate and the bot apart', () => {
    const { facts, after } = when(rooms.running(), 20_000, cmd.talk('pc-1', 'candidate', 18_000, 1_500))
    expect(facts).to.deep.equal([{ type: 'talk_recorded', pc_id: 'pc-1', speaker: 'candidate', started_at: iso(18_000), duration_ms: 1_500, sequence: 10, at: iso(20_000) }])
    expect(after.context.talk).to.deep.equal([{ sequence: 10, candidate_ms: 1_500, bot_ms: 0 }])
    const room = given(
      [0, cmd.open()],
      [0, cmd.connect('pc-1')],
      [0, cmd.talk('pc-1', 'bot', 0, 800)],
      [1_000, cmd.start],
      [5_000, cmd.talk('pc-1', 'bot', 1_000, 3_000)],
      [9_000, cmd.talk('pc-1', 'candidate', 6_000, 2_500)],
      [12_000, cmd.talk('pc-1', 'candidate', 10_000, 1_250)],
      [61_000, cmd.deadline(10, 61_000)],
      [70_000, cmd.talk('pc-1', 'candidate', 62_000, 7_000)],
      [71_000, cmd.end],
      [72_000, cmd.talk('pc-1', 'bot', 71_000, 1_000)],
    )
    expect(roomStatus(room, time(80_000)).timer_status.talk).to.deep.equal({
      candidate_seconds: 10.8,
      bot_seconds: 4.8,
      phases: [
        { sequence: null, candidate_seconds: 0, bot_seconds: 1.8 },
        { sequence: 10, candidate_seconds: 3.8, bot_seconds: 3 },
        { sequence: 20, candidate_seconds: 7, bot_seconds: 0 },
      ],
    })
  })

  it('the totals survive a persisted snapshot; one stored before talk was counted restores with none', () => {
    const room = when(rooms.running(), 20_000, cmd.talk('pc-1', 'candidate', 18_000, 1_500)).after
    expect(restoreSnapshot(persistSnapshot(room)).context.talk).to.deep.equal([{ sequence: 10, candidate_ms: 1_500, bot_ms: 0 }])
    const { value, context } = persistSnapshot(rooms.running())
    const { talk: _talk, ...older } = context as Record<string, unknown>
    const restored = restoreSnapshot({ value, context: older })
    expect(restored.context.talk).to.deep.equal([])
    expect(when(restored, 20_000, cmd.talk('pc-1', 'bot', 19_000, 500)).after.context.talk).to.deep.equal([{ sequence: 10, candidate_ms: 0, bot_ms: 500 }])
  })

  it('stored facts read back: the new ones, and old candidate messages without the voice fields', () => {
    const { facts } = history(
      [0, cmd.open()],
      [0, cmd.connect('pc-1')],
      [0, cmd.start],
      [5_000, cmd.talk('pc-1', 'candidate', 3_000, 2_000)],
      [6_000, { type: 'recordCandidateMessage', pc_id: 'pc-1', text: 'Hi.', source: 'voice', started_at: iso(3_000), duration_ms: 2_000 }],
    )
    for (const fact of facts) expect(RoomFactSchema.parse(JSON.parse(JSON.stringify(fact)))).to.deep.equal(fact)
    const old = { type: 'candidate_message', pc_id: 'pc-1', text: 'typed in 2025', sequence: 10, at: iso(1_000) }
    expect(RoomFactSchema.parse(old)).to.deep.equal(old)
    expect(() => RoomFactSchema.parse({ ...old, source: 'telepathy' })).to.throw(/source/)
    expect(() => RoomFactSchema.parse({ type: 'talk_recorded', pc_id: 'pc-1', speaker: 'bot', started_at: iso(0), duration_ms: -5, sequence: null, at: iso(0) })).to.throw(/duration_ms/)
  })
})
