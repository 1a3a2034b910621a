import type { Context } from 'koa'
import { commandHeaders, requestFingerprint } from '../http/command-headers'
import type { Answered } from './room-runtime'
import type { CommandRequest } from './room.service'

/**
 * A command request as the service takes it: its id, If-Match, and its Idempotency-Key with the
 * fingerprint of what is asked (`body`: the validated body, undefined for routes without one).
 */
export function commandRequest(ctx: Context, body?: unknown): CommandRequest {
  const { idempotencyKey, ifMatch } = commandHeaders(ctx)
  return {
    requestId: ctx.state.requestId,
    ifMatch,
    idempotency: idempotencyKey === undefined ? undefined : { key: idempotencyKey, fingerprint: requestFingerprint(ctx.method, ctx.path, body) },
  }
}

/** Sends a command's answer: its status and body, the room's version as the ETag, and whether it is a replay. */
export function sendAnswer(ctx: Context, answered: Answered): void {
  ctx.status = answered.status
  ctx.body = answered.body
  setVersionTag(ctx, (answered.body as { version?: unknown }).version)
  if (answered.replayed) ctx.set('Idempotent-Replayed', 'true')
}

/** The room's version as a strong ETag, the value If-Match takes. */
export function setVersionTag(ctx: Context, version: unknown): void {
  if (typeof version === 'number') ctx.set('ETag', `"${version}"`)
}
