import type { Context } from 'koa'
import type { AuthenticatedUser } from '../auth/auth.service'
import { UnauthorizedError } from './errors'

/** The signed-in user of a route behind requireUser. */
export function currentUser(ctx: Context): AuthenticatedUser {
  const user = ctx.state.user
  if (!user) throw new UnauthorizedError()
  return user
}
