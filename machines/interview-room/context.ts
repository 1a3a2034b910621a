import type { Phase } from './facts'

export interface InjectedNote {
  id: string
  kind: 'problem' | 'context'
  text: string
  type: string | null
  difficulty: string | null
  at: string
}

/** Everything the room remembers; a pure fold of its facts. */
export interface RoomContext {
  room_id: string
  session_id: string
  owner_id: string
  title: string
  /** Ordered by sequence. */
  phases: Phase[]
  warning_fraction: number | null
  /** Index into `phases` of the current phase. */
  index: number
  /** Time left on the current phase's clock as of `clock_at` (frozen while paused or ready). */
  remaining_ms: number
  /** When running: the deadline of the current phase. */
  deadline: string | null
  warned: boolean
  transition_count: number
  opened_at: string | null
  started_at: string | null
  completed_at: string | null
  completion_reason: string | null
  notes: InjectedNote[]
  /** pc_ids of the peers connected to the room's bot. */
  peers: string[]
  /** Speaking time per phase (sequence null: outside the interview), in the order first spoken in. */
  talk: PhaseTalk[]
}

export interface PhaseTalk {
  sequence: number | null
  candidate_ms: number
  bot_ms: number
}

export const emptyContext = (): RoomContext => ({
  room_id: '',
  session_id: '',
  owner_id: '',
  title: '',
  phases: [],
  warning_fraction: null,
  index: 0,
  remaining_ms: 0,
  deadline: null,
  warned: false,
  transition_count: 0,
  opened_at: null,
  started_at: null,
  completed_at: null,
  completion_reason: null,
  notes: [],
  peers: [],
  talk: [],
})

export const phaseDurationMs = (phase: Phase): number => Math.round(phase.duration_minutes * 60_000)

export const currentPhase = (ctx: RoomContext): Phase | undefined => ctx.phases[ctx.index]

export const addMs = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString()
export const msBetween = (from: string, to: string): number => Date.parse(to) - Date.parse(from)
