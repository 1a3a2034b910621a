import { expect } from 'chai'
import { persistSnapshot, restoreSnapshot, roomState } from '../../../machines/interview-room/index'
import { cmd, given, iso, rooms, when } from './room.fixtures'

describe('interview room: the bot’s bookkeeping', () => {
  it('peer_connected adds the peer once; connecting it again produces no fact', () => {
    const { facts, after } = when(rooms.ready(), 1_000, cmd.connect('pc-2'))
    expect(facts).to.deep.equal([{ type: 'peer_connected', pc_id: 'pc-2', at: iso(1_000) }])
    expect(after.context.peers).to.deep.equal(['pc-1', 'pc-2'])
    expect(when(after, 2_000, cmd.connect('pc-2')).facts).to.deep.equal([])
  })

  it('peer_disconnected removes a connected peer; an unknown peer produces no fact', () => {
    const { facts, after } = when(rooms.running(), 3_000, cmd.disconnect('pc-1'))
    expect(facts).to.deep.equal([{ type: 'peer_disconnected', pc_id: 'pc-1', reason: 'closed', at: iso(3_000) }])
    expect(after.context.peers).to.deep.equal([])
    expect(roomState(after)).to.equal('running')
    expect(when(after, 4_000, cmd.disconnect('pc-1')).facts).to.deep.equal([])
  })

  it('messages carry the phase they were said in (none before the start or after the end)', () => {
    expect(when(rooms.ready(), 0, cmd.candidateSays('pc-1')).facts[0]).to.include({ type: 'candidate_message', sequence: null, text: 'I would use a hash map' })
    expect(when(rooms.paused(), 20_000, cmd.candidateSays('pc-1')).facts[0]).to.include({ sequence: 10 })
    expect(when(rooms.running(), 20_000, cmd.botSays('pc-1', 'Go on.')).facts[0]).to.deep.equal({ type: 'bot_message', pc_id: 'pc-1', text: 'Go on.', sequence: 10, at: iso(20_000) })
    expect(when(rooms.completed(), 20_000, cmd.botSays('pc-1')).facts[0]).to.include({ sequence: null })
  })

  it('after the end, a peer can still leave and its recording be saved; the room stays completed', () => {
    const left = when(rooms.completed(), 9_000, cmd.disconnect('pc-1'))
    const saved = when(left.after, 9_500, cmd.saveRecording('pc-1'))
    expect(saved.facts).to.deep.equal([{ type: 'recording_saved', pc_id: 'pc-1', file: 'pc-1.webm', duration_seconds: 12.5, size_bytes: 4_096, at: iso(9_500) }])
    expect(roomState(saved.after)).to.equal('completed')
    expect(saved.after.context.completed_at).to.equal(iso(5_000))
  })

  it('a snapshot stored before peers were tracked restores with no peers', () => {
    const { value, context } = persistSnapshot(given([0, cmd.open()]))
    const { peers: _peers, ...older } = context as Record<string, unknown>
    const restored = restoreSnapshot({ value, context: older })
    expect(restored.context.peers).to.deep.equal([])
    expect(when(restored, 1_000, cmd.connect('pc-9')).after.context.peers).to.deep.equal(['pc-9'])
  })
})
