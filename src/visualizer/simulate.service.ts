import type { AuthenticatedUser } from '../auth/auth.service'
import type { Clock } from '../clock'
import { NotFoundError, UnauthorizedError, ValidationError } from '../http/errors'
import { initialRoomSnapshot } from '../../machines/interview-room'
import type { RoomService } from '../rooms/room.service'
import { simulateRoom, type SimulationStart, type SimulationStep } from '../rooms/simulation'
import { findMachine } from './machine.service'
import { canSimulate } from './simulators'
import { SIMULATION_LIMITS, type SimulateBody, type SimulationStep as StepInput } from './simulate.schemas'

/** The room id of a simulation that starts from a plan: no stored room has it (room ids have no spaces). */
export const SIMULATED_ROOM_ID = 'simulation'

export interface SimulateDeps {
  rooms: RoomService
  clock: Clock
}

const STARTS = ['phases', 'mock_interview_id', 'room_id'] as const

/**
 * Runs `body.steps` from a plan, inline phases, or a stored room at a version (which the user must
 * be allowed to read), in memory: nothing is written and no timer is armed.
 */
export async function simulateMachine(deps: SimulateDeps, user: AuthenticatedUser | undefined, machineId: string, body: SimulateBody) {
  const entry = findMachine(machineId)
  if (!canSimulate(entry.id)) throw new NotFoundError(`Machine ${entry.id} has no simulator`)
  const { from, roomId, start } = await startOf(deps, user, body)
  const result = runSteps(start, body.steps)
  return { success: true as const, machine_id: entry.id, start: { from, room_id: roomId, ...result.start }, steps: result.steps }
}

async function startOf(deps: SimulateDeps, user: AuthenticatedUser | undefined, body: SimulateBody): Promise<{ from: 'phases' | 'plan' | 'room'; roomId: string; start: SimulationStart }> {
  const given = STARTS.filter((key) => body[key] !== undefined)
  if (given.length !== 1) {
    const path = `body.${given[1] ?? 'phases'}`
    throw new ValidationError('Start from one of phases, mock_interview_id or room_id', [{ path, message: given.length ? `not allowed with ${given[0]}` : 'phases, mock_interview_id or room_id is required' }])
  }
  if (body.room_id === undefined) {
    if (body.version !== undefined) throw new ValidationError('version goes with room_id', [{ path: 'body.version', message: 'only with room_id' }])
    // Plans are read by their owners (and admins) only; inline phases reveal nothing and need no account.
    const { title, phases, plan_id } = await deps.rooms.phasesFor(user, body)
    const opening = deps.rooms.openCommand({ roomId: SIMULATED_ROOM_ID, ownerId: user?.id ?? 'anonymous', title, phases, warningFraction: body.warning_fraction, planId: plan_id })
    return { from: body.phases ? 'phases' : 'plan', roomId: SIMULATED_ROOM_ID, start: { snapshot: initialRoomSnapshot(), version: 0, at: deps.clock(), opening } }
  }
  for (const key of ['title', 'warning_fraction'] as const) {
    if (body[key] !== undefined) throw new ValidationError(`${key} does not go with room_id`, [{ path: `body.${key}`, message: 'not allowed with room_id: the room has its own' }])
  }
  if (!user) throw new UnauthorizedError('Starting from a room needs a bearer token')
  const point = await deps.rooms.roomAt(user, body.room_id, { version: body.version })
  return { from: 'room', roomId: body.room_id, start: { snapshot: point.snapshot, version: point.version, at: point.at ? new Date(point.at) : deps.clock() } }
}

/** Runs parsed steps from a start within the simulation limits (the route and the CLI). */
export function runSteps(start: SimulationStart, steps: StepInput[]) {
  return simulateRoom(start, steps.map(toSimulationStep), { totalSeconds: SIMULATION_LIMITS.totalSeconds, facts: SIMULATION_LIMITS.facts })
}

/** A step as the machine's command: ids the caller left out are made from the step's place, so a simulation repeats exactly. */
function toSimulationStep(step: StepInput, index: number): SimulationStep {
  switch (step.type) {
    case 'injectProblem':
      return { type: 'injectProblem', problem_id: step.problem_id ?? `simulated-problem-${index}`, problem_text: step.problem_text, problem_type: step.problem_type ?? null, difficulty: step.difficulty ?? null }
    case 'injectContext':
      return { type: 'injectContext', context_id: step.context_id ?? `simulated-context-${index}`, context_text: step.context_text, context_type: step.context_type ?? null }
    default:
      return step
  }
}
