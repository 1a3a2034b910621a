import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { initialRoomSnapshot, ROOM_FACT_TYPES, type RoomSnapshot } from '../../machines/interview-room'
import { replayEvent } from '../../src/rooms/history-record'
import { roomTimeline } from '../../src/rooms/replay'
import { schemaVersionOf } from '../../src/rooms/room-facts.schema'
import { checkHistories } from '../../src/rooms/history-check'
import { ctx } from '../support/context'
import { expectRecorded, goldenHistories, storeRecorded } from '../support/histories'

const corpus = goldenHistories()
const all = corpus.flatMap(({ history }) => history.events)

describe('the golden history corpus (test/fixtures/histories/)', () => {
  it('covers every fact type, every state, both resets, skips, warnings, peers and each way a room completes', () => {
    expect(new Set(all.map((e) => e.type))).to.have.all.keys(...ROOM_FACT_TYPES)
    expect(new Set(all.map((e) => e.status.state_value))).to.have.all.keys('ready', 'in_progress.running', 'in_progress.paused', 'completed')
    const data = (type: string) => all.filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>)
    expect(new Set(data('timer_reset').map((d) => d.scope))).to.have.all.keys('phase', 'interview')
    expect(new Set(data('phase_changed').map((d) => d.reason))).to.have.all.keys('timer', 'skip')
    expect(new Set(data('interview_completed').map((d) => d.reason))).to.have.all.keys('timer', 'skip', 'ended')
    expect(all.some((e) => e.peers.length > 0)).to.equal(true)
    expect(data('room_opened')).to.have.length(corpus.length)
    // The first fixtures were stored before fact versions existed, so the room_opened upcaster is
    // exercised; later ones are stored at the version of their day.
    expect([...new Set(all.filter((e) => e.type === 'room_opened').map(schemaVersionOf))].sort()).to.deep.equal([1, 2])
  })

  for (const { file, history } of corpus) {
    describe(file, () => {
      it('replays with today’s code into the states and status recorded with it', () => {
        let snapshot: RoomSnapshot = initialRoomSnapshot()
        for (const event of history.events) {
          const replayed = replayEvent(snapshot, event)
          snapshot = replayed.snapshot
          expectRecorded(replayed.status, event.status, `${file} version ${event.version} (${event.type}) status`)
          expect(replayed.peers, `${file} version ${event.version} peers`).to.deep.equal(event.peers)
        }
      })

      it('stored in the database as recorded, reads back through the history endpoint’s path and passes history:check', async () => {
        const { db } = ctx().database
        const roomId = `golden-${randomUUID().slice(0, 8)}`
        await storeRecorded(db, roomId, history.events)
        const timeline = await roomTimeline(db, roomId, { fromVersion: 1, limit: 10_000 })
        expect(timeline.map((e) => e.version)).to.deep.equal(history.events.map((e) => e.version))
        timeline.forEach((entry, i) => {
          const recorded = history.events[i]!
          expect(entry.state_value).to.equal(recorded.status.state_value)
          expectRecorded(entry.status, recorded.status.timer_status, `${file} version ${recorded.version} timer status`)
          expect(entry.data).to.deep.equal(recorded.data)
        })
        const failures: unknown[] = []
        const checked = await checkHistories(db, { roomIds: [roomId], onFailure: (f) => failures.push(f) })
        expect(failures).to.deep.equal([])
        expect(checked).to.deep.equal({ rooms: 1, events: history.events.length, failed: 0 })
      })
    })
  }
})
