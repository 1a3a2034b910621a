import { z } from 'koa-swagger-decorator'

// The answers of the room routes, as the room service builds them. They feed the OpenAPI document.

const Time = z.string().datetime({ offset: true })
const Success = z.literal(true)

const talkSeconds = { candidate_seconds: z.number(), bot_seconds: z.number() }

/** Who spoke how long, in all and per phase (talk_recorded facts). */
const TalkTime = z
  .object({ ...talkSeconds, phases: z.array(z.object({ sequence: z.number().int().nullable().openapi({ description: "null: before the first phase or after the last" }), ...talkSeconds })) })
  .openapi('TalkTime', { description: 'Speaking time of the candidate and the bot, in all and per phase, from the talk_recorded facts' })

export const TimerStatus = z
  .object({
    is_running: z.boolean(),
    is_paused: z.boolean(),
    current_sequence: z.number().int().nullable(),
    remaining_time_seconds: z.number(),
    elapsed_time_seconds: z.number(),
    progress_percentage: z.number(),
    phase_duration_seconds: z.number(),
    deadline: Time.nullable().openapi({ description: 'When the current phase ends, while running' }),
    phase_index: z.number().int(),
    total_phases: z.number().int(),
    transition_count: z.number().int(),
    interview_total_seconds: z.number(),
    interview_remaining_seconds: z.number(),
    interview_elapsed_seconds: z.number(),
    started_at: Time.nullable(),
    completed_at: Time.nullable(),
    talk: TalkTime,
  })
  .openapi('TimerStatus')

const InjectedNote = z.object({
  id: z.string(),
  kind: z.enum(['problem', 'context']),
  text: z.string(),
  type: z.string().nullable(),
  difficulty: z.string().nullable(),
  at: Time,
})

const RoomStateName = z.enum(['unopened', 'ready', 'running', 'paused', 'completed'])

/** roomStatus() of machines/interview-room: the room at a moment. */
export const RoomStatus = z
  .object({
    state: RoomStateName,
    state_value: z.string().openapi({ description: 'The machine state, dotted: in_progress.running' }),
    timer_status: TimerStatus,
    interview_context: z.object({
      title: z.string(),
      current_planner: z
        .object({
          sequence: z.number().int(),
          question_id: z.string(),
          duration: z.number().openapi({ description: 'Minutes' }),
          question_type: z.string().nullable(),
          question_text: z.string().nullable(),
          instructions: z.string(),
        })
        .nullable(),
      total_planner_fields: z.number().int(),
      injected: z.array(InjectedNote),
    }),
  })
  .openapi('RoomStatus')

const RoomHead = z.object({ success: Success, room_id: z.string(), session_id: z.string().uuid(), version: z.number().int().openapi({ description: "The room's stream version" }) })

export const RoomStatusAnswer = RoomHead.merge(RoomStatus).openapi('RoomStatusAnswer')

export const CommandAnswer = RoomHead.merge(RoomStatus)
  .extend({ events: z.array(z.object({ type: z.string(), version: z.number().int(), data: z.object({}).passthrough().openapi({ additionalProperties: true }) })).openapi({ description: 'The facts the command appended' }) })
  .openapi('CommandAnswer')

export const StartInterviewAnswer = RoomHead.extend({ status: RoomStatus }).openapi('StartInterviewAnswer')

export const StateAtAnswer = RoomHead.merge(RoomStatus).extend({ at: Time }).openapi('RoomStateAt')

export const HistoryAnswer = z
  .object({
    success: Success,
    room_id: z.string(),
    from_version: z.number().int(),
    events: z.array(
      z.object({
        version: z.number().int(),
        type: z.string(),
        at: Time,
        recorded_at: Time,
        data: z.object({}).passthrough().openapi({ additionalProperties: true }),
        schema_version: z.number().int().openapi({ description: 'The schema version the fact was stored with; `data` is shown as stored' }),
        machine_version: z.number().int().nullable().openapi({ description: 'The machine version that recorded the fact; null before machines had versions' }),
        metadata: z.object({}).passthrough().openapi({ additionalProperties: true }),
        state: RoomStateName,
        state_value: z.string(),
        status: TimerStatus,
      }),
    ),
  })
  .openapi('RoomHistory')

export const RoomList = z
  .object({
    success: Success,
    rooms: z.array(
      z.object({
        room_id: z.string(),
        owner_id: z.string(),
        title: z.string(),
        state: z.string(),
        total_phases: z.number().int(),
        problems_injected: z.number().int(),
        opened_at: Time,
        started_at: Time.nullable(),
        completed_at: Time.nullable(),
        session_duration_seconds: z.number().nullable(),
        version: z.number().int(),
      }),
    ),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('RoomList')

export const RoomSummary = z
  .object({
    success: Success,
    room_id: z.string(),
    session_id: z.string().uuid(),
    owner_id: z.string(),
    title: z.string(),
    state: z.string(),
    current_sequence: z.number().int().nullable(),
    remaining_time_seconds: z.number(),
    deadline: Time.nullable(),
    version: z.number().int(),
    opened_at: Time,
    updated_at: Time,
    connection: z.object({ peers: z.number().int(), pc_ids: z.array(z.string()) }),
    bot: z.object({ status: z.enum(['active', 'idle']) }),
    talk: TalkTime,
  })
  .openapi('RoomSummary')

export const Connections = z
  .object({
    success: Success,
    total_rooms: z.number().int(),
    total_peers: z.number().int(),
    active_bots: z.number().int(),
    rooms: z.array(
      z.object({
        room_id: z.string(),
        owner_id: z.string(),
        state: z.string(),
        current_sequence: z.number().int().nullable(),
        peers: z.number().int(),
        bot_status: z.string(),
        last_event_type: z.string(),
        last_event_at: Time,
        version: z.number().int(),
      }),
    ),
  })
  .openapi('Connections')

export const InjectProblemAnswer = z.object({ success: Success, room_id: z.string(), problem_id: z.string().uuid(), version: z.number().int() }).openapi('InjectProblemAnswer')
export const InjectContextAnswer = z.object({ success: Success, room_id: z.string(), context_id: z.string().uuid(), version: z.number().int() }).openapi('InjectContextAnswer')

export const StreamTokenAnswer = z
  .object({
    success: Success,
    token: z.string(),
    token_type: z.literal('stream'),
    expires_in: z.number().int().openapi({ description: 'Seconds' }),
    room_id: z.string(),
    url: z.string().openapi({ description: 'The event stream with this token, for EventSource' }),
  })
  .openapi('StreamToken')

export const EventStream = { 'text/event-stream': z.string().openapi({ description: 'Server-Sent Events: `connected` with the status and version, then one event per fact (named by its type, `id:` its stream position), and `heartbeat`s' }) }
