import { decideAndFold, initialRoomSnapshot, type RoomCommand, type RoomSnapshot } from '../machines/interview-room'

/**
 * How fast this machine runs our own code: room commands decided and folded through the machine
 * per second, on one core (pause, resume, pause … on one room; no I/O). Printed with a full run's
 * results because machines that report the same CPU model differ: two runs on "2 × AMD EPYC" a
 * few hours apart differed twofold in every CPU-bound figure (bare Koa 52,900 against 23,715
 * requests/s). Compare figures of two runs only beside this one.
 */
export function commandsPerSecond(measureMs = 1_000): number {
  const now = new Date('2026-01-01T10:00:00.000Z')
  const open: RoomCommand = {
    type: 'openRoom',
    room_id: 'calibration',
    session_id: '00000000-0000-4000-8000-000000000000',
    owner_id: '00000000-0000-4000-8000-000000000001',
    title: 'calibration',
    phases: [1, 2, 3].map((sequence) => ({ sequence, question_id: `q${sequence}`, question_type: 'coding', question_text: 'Reverse a linked list.', duration_minutes: 30, instructions: 'Explain your approach.' })),
    warning_fraction: 0.2,
  }
  let room: RoomSnapshot = initialRoomSnapshot()
  for (const command of [open, { type: 'startTimer' } as const]) room = decideAndFold(room, command, now).snapshot
  const base = room
  const run = (ms: number) => {
    let count = 0
    let snapshot = base
    const until = performance.now() + ms
    while (performance.now() < until) {
      for (const type of ['pauseTimer', 'resumeTimer'] as const) snapshot = decideAndFold(snapshot, { type }, now).snapshot
      count += 2
    }
    return count
  }
  run(measureMs / 4) // V8 compiles the path first
  return Math.round(run(measureMs) / (measureMs / 1_000))
}
