import type { RoomFactType } from '../../../machines/interview-room'
import { AppError } from '../../http/errors'
import { roomOpenedV1toV2 } from './room-opened'

/**
 * One pure step from a stored payload of version `n` to version `n + 1` (`data` holds the fact's
 * fields without `type`). It may throw when the payload is not a valid version `n`.
 */
export type Upcaster = (data: unknown) => Record<string, unknown>

/**
 * The upcasters of each fact type, in order: entry 0 turns version 1 into 2, entry 1 turns 2
 * into 3, and so on. A fact's current version is therefore 1 + its number of upcasters, and
 * a fact type without an entry is at version 1. Never edit or remove a step: stored facts of
 * every version are read through them, forever. A change to a fact is a new step here.
 */
export const UPCASTERS: Partial<Record<RoomFactType, readonly Upcaster[]>> = {
  room_opened: [roomOpenedV1toV2],
}

/** The version a fact of this type is written with today. */
export const currentFactVersion = (type: string): number => 1 + (UPCASTERS[type as RoomFactType]?.length ?? 0)

/**
 * Why a stored fact could not be read: an upcaster refused it, it is not a valid fact of its
 * version, it was written by newer code in a shape this code cannot read (or is of a type this
 * code does not know), or the machine does not accept it where it stands.
 */
export type FactReadStage = 'upcast' | 'schema' | 'newer' | 'machine'

export interface FactReadFailure {
  type: string
  /** The schema version the fact was stored with. */
  storedVersion: number
  /** Where reading failed: the upcaster from this version, or the version it was parsed or applied as. */
  failedAt: number
  stage: FactReadStage
  reason: string
  /** The fact's position in its stream, when known. */
  position?: number
}

/**
 * A stored fact this code cannot read. Answered 503 with Retry-After: during a rolling deploy
 * another process (running the newer code) can serve the room; otherwise `npm run
 * history:check` names the room and the version.
 */
export class FactReadError extends AppError {
  constructor(readonly failure: FactReadFailure) {
    super(503, 'room_unreadable', `${failure.position === undefined ? '' : `version ${failure.position}: `}${failure.type} v${failure.storedVersion}: ${describe(failure.stage, failure.failedAt)}: ${failure.reason}`, failure, { 'Retry-After': '1' })
  }
}

function describe(stage: FactReadStage, at: number): string {
  if (stage === 'upcast') return `upcaster v${at} → v${at + 1} failed`
  if (stage === 'newer') return `written by newer code (this code reads up to v${at})`
  if (stage === 'machine') return `refused by machine version ${at}`
  return `not a valid v${at}`
}

/** Runs the steps from `storedVersion` to the current version of `type`. */
export function upcast(type: string, storedVersion: number, data: unknown): unknown {
  const steps = UPCASTERS[type as RoomFactType]
  if (!steps) return data
  let out = data
  for (let v = storedVersion; v <= steps.length; v++) {
    try {
      out = steps[v - 1]!(out)
    } catch (error) {
      throw new FactReadError({ type, storedVersion, failedAt: v, stage: 'upcast', reason: error instanceof Error ? error.message : String(error) })
    }
  }
  return out
}
