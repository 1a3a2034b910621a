import type { Context } from 'koa'
import { body, middlewares, routeConfig, type ParsedArgs } from 'koa-swagger-decorator'
import { answers } from '../http/openapi'
import { requireUser } from '../http/auth'
import { currentUser } from '../http/current-user'
import { LoginBody, LoginResponse, LogoutResponse, RegisterBody, UserResponse } from './auth.schemas'
import { toUserResponse } from './auth.service'

const TAG = ['Authentication']

export class AuthController {
  @routeConfig({ method: 'post', path: '/api/v1/auth/register', summary: 'Register a user', tags: TAG, responses: answers(201, UserResponse, 409, 503) })
  @body(RegisterBody)
  async register(ctx: Context, args: ParsedArgs<RegisterBody>) {
    ctx.status = 201
    ctx.body = await ctx.deps.auth.register(args.body!)
  }

  @routeConfig({ method: 'post', path: '/api/v1/auth/login', summary: 'Log in and get a bearer token', tags: TAG, responses: answers(200, LoginResponse, 401, 429, 503) })
  @body(LoginBody)
  async login(ctx: Context, args: ParsedArgs<LoginBody>) {
    ctx.body = await ctx.deps.auth.login(args.body!, ctx.ip)
  }

  @routeConfig({ method: 'get', path: '/api/v1/auth/me', summary: 'The signed-in user', tags: TAG, security: [{ bearerAuth: [] }], responses: answers(200, UserResponse) })
  @middlewares([requireUser()])
  async me(ctx: Context) {
    ctx.body = toUserResponse(currentUser(ctx))
  }

  @routeConfig({ method: 'get', path: '/api/v1/auth/validate', summary: 'Validate a bearer token', tags: TAG, security: [{ bearerAuth: [] }], responses: answers(200, UserResponse) })
  @middlewares([requireUser()])
  async validate(ctx: Context) {
    ctx.body = toUserResponse(currentUser(ctx))
  }

  @routeConfig({ method: 'post', path: '/api/v1/auth/logout', summary: 'Revoke the current token', tags: TAG, security: [{ bearerAuth: [] }], responses: answers(200, LogoutResponse) })
  @middlewares([requireUser()])
  async logout(ctx: Context) {
    const user = currentUser(ctx)
    await ctx.deps.auth.logout(user)
    ctx.body = { success: true, message: 'Logged out; this token and the stream tokens issued with it are revoked' }
  }
}

