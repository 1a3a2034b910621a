import type { AnyStateMachine } from 'xstate'
import { interviewRoomMachine, MACHINE_VERSION } from '../../machines/interview-room'

/** Where the live and replay modes read one actor of a machine; `{id}` stands for the actor's id. */
export interface ActorLinks {
  /** What an actor is called in the page ("Room"). */
  label: string
  /** Every event with `state_value` and `status` after it (`from_version`, `limit`). */
  history: string
  /** The actor at `?version=N`. */
  state: string
  /** Server-Sent Events named by event type, ids = stream positions. */
  events: string
  /** POST: a short-lived token for `events` (`?access_token=`). */
  stream_token: string
}

export interface MachineEntry {
  id: string
  title: string
  machine: AnyStateMachine
  /** Its declared version (snapshots and facts record it); null for a machine without one. */
  version: number | null
  actors: ActorLinks | null
}

/** The machines the exports and the visualizer know. A new machine is one entry here, no page code. */
export const MACHINES: MachineEntry[] = [
  {
    id: interviewRoomMachine.id,
    title: 'Interview room',
    machine: interviewRoomMachine,
    version: MACHINE_VERSION,
    actors: {
      label: 'Room',
      history: '/api/interview/{id}/history',
      state: '/api/interview/{id}/state',
      events: '/api/interview/{id}/events',
      stream_token: '/api/interview/{id}/stream-token',
    },
  },
]
