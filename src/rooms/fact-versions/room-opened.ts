import { z } from 'zod'

/**
 * room_opened, version 1 (everything stored before fact versions existed): no `plan_id`.
 * Version 2 names the stored plan the room was opened from (null for inline phases).
 */
const V1 = z.object({ room_id: z.string() }).passthrough()

/** 1 → 2: rooms opened before v2 did not record their plan, so it is unknown (null). */
export function roomOpenedV1toV2(data: unknown): Record<string, unknown> {
  return { ...V1.parse(data), plan_id: null }
}
