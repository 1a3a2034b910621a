import type { Db } from '../src/db/database'
import { appendToStream } from '../src/event-store'
import type { RoomRuntime } from '../src/rooms/room-runtime'
import { eventOf, roomStream } from '../src/rooms/room-facts.schema'
import { applyFact, decide, type RoomCommand, type RoomFact } from '../machines/interview-room'

const LAP: RoomCommand[] = [
  { type: 'startTimer' },
  { type: 'injectProblem', problem_id: 'p', problem_text: 'FizzBuzz', problem_type: 'coding', difficulty: 'easy' },
  { type: 'pauseTimer' },
  { type: 'resumeTimer' },
  { type: 'resetTimer', scope: 'phase' },
  { type: 'skipPhase' },
  { type: 'pauseTimer' },
  { type: 'skipPhase' },
  { type: 'resetTimer', scope: 'interview' },
]

export async function growRoomHistory(db: Db, runtime: RoomRuntime, roomId: string, total: number): Promise<void> {
  let { snapshot, version } = await runtime.load(roomId)
  const start = Date.now() - total * 1000
  let batch: RoomFact[] = []
  for (let i = 0; version + batch.length < total; i++) {
    const facts = decide(snapshot, LAP[i % LAP.length]!, new Date(start + (version + batch.length) * 1000))
    for (const fact of facts) snapshot = applyFact(snapshot, fact)
    batch.push(...facts)
    if (batch.length >= 1000 || version + batch.length >= total) {
      const appended = await appendToStream(db, roomStream(roomId), version, batch.map((f) => eventOf(f)))
      version = appended.nextVersion
      batch = []
    }
  }
  runtime.forget(roomId)
}
