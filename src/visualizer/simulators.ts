import { interviewRoomMachine } from '../../machines/interview-room'

/** The machines POST /api/machines/{id}/simulate can run: those whose commands and timers the service knows. */
const SIMULATED = new Set<string>([interviewRoomMachine.id])

export const canSimulate = (machineId: string): boolean => SIMULATED.has(machineId)

/** Where a machine is simulated, or null when it cannot be. */
export const simulatePath = (machineId: string): string | null => (canSimulate(machineId) ? `/api/machines/${encodeURIComponent(machineId)}/simulate` : null)
