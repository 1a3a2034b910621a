import { expect } from 'chai'
import type { RoomCommand } from '../../machines/interview-room'
import { ctx } from '../support/context'
import { api, newUser } from '../support/http'
import { roomCommand, roomPath, runningRoom, timerStatus } from '../support/rooms'

/** What the bot records as it hears the candidate and plays its own voice. */
const talk = (speaker: 'candidate' | 'bot', startedAt: Date, ms: number): RoomCommand => ({ type: 'recordTalk', pc_id: 'pc-talk', speaker, started_at: startedAt.toISOString(), duration_ms: ms })

describe('speaking time in GET /api/interview/{room_id}/timer/status and the history', () => {
  it('totals who talked how long, per phase, and the history shows each stretch of talk', async () => {
    const user = await newUser('talk')
    const { roomId } = await runningRoom(user)
    const runtime = ctx().service.runtime
    const now = new Date()
    await runtime.execute(roomId, { type: 'connectPeer', pc_id: 'pc-talk' })
    await runtime.execute(roomId, talk('bot', now, 4_000))
    await runtime.execute(roomId, talk('candidate', now, 2_500))
    await runtime.execute(roomId, { type: 'recordCandidateMessage', pc_id: 'pc-talk', text: 'I would shard by user.', source: 'voice', started_at: now.toISOString(), duration_ms: 2_500 })
    expect((await roomCommand(user, roomId, 'phase/next')).status).to.equal(200)
    await runtime.execute(roomId, talk('candidate', now, 1_200))

    const status = await timerStatus(user, roomId)
    expect(status.status, status.text).to.equal(200)
    expect(status.body.timer_status.talk).to.deep.equal({
      candidate_seconds: 3.7,
      bot_seconds: 4,
      phases: [
        { sequence: 1, candidate_seconds: 2.5, bot_seconds: 4 },
        { sequence: 2, candidate_seconds: 1.2, bot_seconds: 0 },
      ],
    })

    const events: Array<{ type: string; data: Record<string, unknown>; status: { talk: { candidate_seconds: number } } }> = (await api('GET', roomPath(roomId, 'history'), { token: user.token })).body.events
    const talked = events.filter((e) => e.type === 'talk_recorded')
    expect(talked.map((e) => [e.data.speaker, e.data.duration_ms, e.data.sequence, e.data.started_at])).to.deep.equal([
      ['bot', 4_000, 1, now.toISOString()],
      ['candidate', 2_500, 1, now.toISOString()],
      ['candidate', 1_200, 2, now.toISOString()],
    ])
    expect(talked.map((e) => e.status.talk.candidate_seconds)).to.deep.equal([0, 2.5, 3.7])
    const spoken = events.find((e) => e.type === 'candidate_message')!
    expect(spoken.data).to.include({ text: 'I would shard by user.', source: 'voice', started_at: now.toISOString(), duration_ms: 2_500, sequence: 1 })
  })
})
