import type { AppDeps } from '../app'
import type { AuthenticatedUser } from '../auth/auth.service'

declare module 'koa' {
  interface DefaultContext {
    deps: AppDeps
  }
  interface DefaultState {
    requestId: string
    user?: AuthenticatedUser
  }
}

export {}
