import type { Context } from 'koa'
import { body, middlewares, responses, routeConfig, type ParsedArgs } from 'koa-swagger-decorator'
import { requireUser } from '../http/auth'
import { currentUser } from '../http/current-user'
import { LoginBody, LoginResponse, RegisterBody, UserResponse } from './auth.schemas'
import { toUserResponse } from './auth.service'
import { sessionOf } from './token'

const TAG = ['Authentication']

export class AuthController {
  @routeConfig({ method: 'post', path: '/api/v1/auth/register', summary: 'Register a user', tags: TAG })
  @body(RegisterBody)
  @responses(UserResponse)
  async register(ctx: Context, args: ParsedArgs<RegisterBody>) {
    ctx.status = 201
    ctx.body = await ctx.deps.auth.register(args.body!)
  }

  @routeConfig({ method: 'post', path: '/api/v1/auth/login', summary: 'Log in and get a bearer token', tags: TAG })
  @body(LoginBody)
  @responses(LoginResponse)
  async login(ctx: Context, args: ParsedArgs<LoginBody>) {
    ctx.body = await ctx.deps.auth.login(args.body!, ctx.ip)
  }

  @routeConfig({ method: 'get', path: '/api/v1/auth/me', summary: 'The signed-in user', tags: TAG, security: [{ bearerAuth: [] }] })
  @middlewares([requireUser()])
  @responses(UserResponse)
  async me(ctx: Context) {
    ctx.body = toUserResponse(currentUser(ctx))
  }

  @routeConfig({ method: 'get', path: '/api/v1/auth/validate', summary: 'Validate a bearer token', tags: TAG, security: [{ bearerAuth: [] }] })
  @middlewares([requireUser()])
  @responses(UserResponse)
  async validate(ctx: Context) {
    ctx.body = toUserResponse(currentUser(ctx))
  }

  @routeConfig({ method: 'post', path: '/api/v1/auth/logout', summary: 'Revoke the current token', tags: TAG, security: [{ bearerAuth: [] }] })
  @middlewares([requireUser()])
  async logout(ctx: Context) {
    const user = currentUser(ctx)
    await ctx.deps.auth.logout(user)
    // Streams this process holds end now; other processes see the revocation within SSE_REVOCATION_POLL_MS.
    ctx.deps.hub.closeSessions([sessionOf(user.token)])
    ctx.body = { success: true, message: 'Logged out; this token and the stream tokens issued with it are revoked' }
  }
}

