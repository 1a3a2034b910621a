import { z } from 'koa-swagger-decorator'
import { Phases } from '../plans/plan.schemas'
import { RoomId } from '../rooms/room.schemas'
import { TimerStatus } from '../rooms/room.responses'

/** How far one simulation may go: its steps, its virtual time and the facts it produces. */
export const SIMULATION_LIMITS = { steps: 500, stepSeconds: 86_400, totalSeconds: 7 * 86_400, facts: 2_000 }

const text = (max: number) => z.string().trim().min(1).max(max)

export const SimulationStep = z.preprocess(
  stepObject,
  z.discriminatedUnion('type', [
    z.object({
      type: z.literal('advance'),
      // Milliseconds are the finest time a fact records.
      seconds: z.number().positive('must be greater than 0').max(SIMULATION_LIMITS.stepSeconds, `must be at most ${SIMULATION_LIMITS.stepSeconds} (a day)`).transform((s) => Math.round(s * 1000) / 1000),
    }).strict(),
    z.object({ type: z.literal('startTimer') }).strict(),
    z.object({ type: z.literal('pauseTimer') }).strict(),
    z.object({ type: z.literal('resumeTimer') }).strict(),
    z.object({ type: z.literal('resetTimer'), scope: z.enum(['phase', 'interview']).default('phase') }).strict(),
    z.object({ type: z.literal('skipPhase') }).strict(),
    z.object({ type: z.literal('endInterview') }).strict(),
    z.object({
      type: z.literal('injectProblem'),
      problem_id: text(100).optional(),
      problem_text: text(20_000).default('A simulated problem'),
      problem_type: z.string().trim().max(100).optional(),
      difficulty: z.string().trim().max(50).optional(),
    }).strict(),
    z.object({
      type: z.literal('injectContext'),
      context_id: text(100).optional(),
      context_text: text(20_000).default('A simulated context'),
      context_type: z.string().trim().max(100).optional(),
    }).strict(),
  ]),
)
export type SimulationStep = z.infer<typeof SimulationStep>

/**
 * The short forms of a step: a command name (`"pauseTimer"`), `"resetTimer:interview"`, or
 * `"advance:<seconds>"`. Anything else is left for the schema to name what is wrong.
 */
function stepObject(step: unknown): unknown {
  if (typeof step !== 'string') return step
  const [type, arg, ...rest] = step.trim().split(':')
  if (rest.length > 0 || arg === undefined) return { type }
  if (type === 'advance') return { type, seconds: /^\d+(\.\d+)?$/.test(arg) ? Number(arg) : arg }
  if (type === 'resetTimer') return { type, scope: arg }
  return { type, argument: arg }
}

export const SimulateBody = z.object({
  phases: Phases.optional(),
  mock_interview_id: z.string().uuid('must be a UUID').optional(),
  title: z.string().trim().min(1).max(200).optional(),
  warning_fraction: z.number().gt(0).lt(1).nullable().optional(),
  room_id: RoomId.optional(),
  /** The room as it was at this version (default: its latest). */
  version: z.number().int().min(1).max(2_147_483_647).optional(),
  steps: z.array(SimulationStep).max(SIMULATION_LIMITS.steps, `at most ${SIMULATION_LIMITS.steps} steps`).default([]),
})
export type SimulateBody = z.infer<typeof SimulateBody>

/** A JSON object of any shape (a fact's data, a step as sent). */
const AnyObject = z.object({}).passthrough().openapi({ additionalProperties: true })

const FactEntry = z.object({
  version: z.number().int(),
  type: z.string(),
  at: z.string(),
  data: AnyObject,
  state: z.string(),
  state_value: z.string(),
  status: TimerStatus,
})

/** The room after a step (or at the start). */
const SimulatedPoint = {
  at: z.string(),
  version: z.number().int(),
  state: z.string(),
  state_value: z.string(),
  status: TimerStatus,
  allowed_commands: z.array(z.string()),
  timers: z.array(z.object({ kind: z.enum(['deadline', 'warning']), sequence: z.number().int(), due_at: z.string() })),
  facts: z.array(FactEntry),
}

export const SimulateResponse = z.object({
  success: z.literal(true),
  machine_id: z.string(),
  start: z.object({ from: z.enum(['phases', 'plan', 'room']), room_id: z.string(), ...SimulatedPoint }),
  steps: z.array(
    z.object({
      index: z.number().int(),
      step: AnyObject,
      refused: z.object({ code: z.literal('invalid_state'), message: z.string(), details: z.object({ state: z.string(), allowed_commands: z.array(z.string()) }) }).nullable(),
      ...SimulatedPoint,
    }),
  ),
})
