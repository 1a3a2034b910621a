import type { AppDeps } from '../app'
import type { AuthenticatedUser } from '../auth/auth.service'
import type { Logger } from '../logger'

declare module 'koa' {
  interface DefaultContext {
    deps: AppDeps
  }
  interface DefaultState {
    requestId: string
    log?: Logger
    user?: AuthenticatedUser
  }
}

export {}
