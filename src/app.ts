import Koa from 'koa'
import type Router from '@koa/router'
import cors from '@koa/cors'
import bodyParser from 'koa-bodyparser'
import { SwaggerRouter } from 'koa-swagger-decorator'
import type { Config } from '../config'
import type { Logger } from './logger'
import type { Db } from './db/database'
import type { Clock } from './clock'
import type { AuthService } from './auth/auth.service'
import type { ProductService } from './products/product.service'
import type { PlanService } from './plans/plan.service'
import type { RoomService } from './rooms/room.service'
import type { RoomStreamHub } from './rooms/room-stream'
import type { RtcService } from './rtc/rtc.service'
import type { Metrics } from './metrics/metrics'
import { httpMetrics } from './http/metrics'
import { requestId } from './http/request-id'
import { requestLogger } from './http/request-logger'
import { errorHandler } from './http/error-handler'
import { securityHeaders } from './http/security-headers'
import { jsonBodiesOnly, storableText } from './http/body-guard'
import { optionalUser, requireUser } from './http/auth'
import { AuthController } from './auth/auth.routes'
import { ProductController } from './products/product.routes'
import { PlanController } from './plans/plan.routes'
import { RoomController } from './rooms/room.routes'
import { RtcController } from './rtc/rtc.routes'
import { demoRouter } from './rtc/demo.routes'
import { MachineController } from './visualizer/machine.routes'
import { SimulateController } from './visualizer/simulate.routes'
import { visualizerRouter } from './visualizer/visualizer.routes'
import { systemRouter } from './system/system.routes'
import { docsRouter } from './system/docs.routes'
import './http/context'

export interface AppDeps {
  config: Config
  logger: Logger
  db: Db
  databaseKind: 'postgres' | 'embedded'
  clock: Clock
  version: string
  auth: AuthService
  products: ProductService
  plans: PlanService
  rooms: RoomService
  hub: RoomStreamHub
  rtc: RtcService
  metrics: Metrics
  /** What GET /ready checks, each true when fine. */
  readiness: () => Promise<Record<string, boolean>>
}

/** Path prefixes whose every route needs a signed-in user. */
const PROTECTED = ['/api/v1/products', '/api/v1/mock-interviews', '/api/start-interview', '/api/interview', '/api/inject-problem', '/api/inject-custom-context', '/api/status', '/api/connections', '/api/offer']

/** Builds the Koa app: middleware order and routers, nothing else. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false })
  app.context.deps = deps
  app.silent = true

  const api = new SwaggerRouter({ spec: { info: { title: 'Mock Interview API', version: deps.version } } })
  // Authentication runs before each route's own input validation: an anonymous caller gets 401, not 400.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the decorator router is typed without our context
  api.use(PROTECTED, requireUser() as Router.Middleware<any, any>)
  // A simulation from inline phases needs no account; from a plan or a room it does (checked by the service).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  api.use('/api/machines/:machine_id/simulate', optionalUser() as Router.Middleware<any, any>)
  api.applyRoute(AuthController).applyRoute(ProductController).applyRoute(PlanController).applyRoute(RoomController).applyRoute(RtcController).applyRoute(MachineController).applyRoute(SimulateController)

  const corsOrigins = new Set(deps.config.CORS_ORIGINS)
  app
    .use(requestId())
    .use(requestLogger(deps.logger))
    .use(httpMetrics(deps.metrics.http))
    // Before the error handler and the body guards: their refusals (400, 413, 415) carry the headers too.
    .use(securityHeaders())
    .use(errorHandler())
    .use(
      cors({
        origin: (ctx) => (corsOrigins.has('*') ? '*' : corsOrigins.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
        exposeHeaders: ['X-Request-Id', 'Retry-After', 'ETag', 'Idempotent-Replayed'],
        maxAge: 600,
      }),
    )
    .use(jsonBodiesOnly())
    .use(bodyParser({ enableTypes: ['json'], jsonLimit: `${deps.config.BODY_LIMIT_KB}kb`, strict: true }))
    .use(storableText())
    .use(systemRouter({ name: 'mock-interview-api', version: deps.version }).routes())
    .use(docsRouter(deps.version).routes())
    .use(visualizerRouter().routes())
    .use(demoRouter().routes())
    .use(api.routes())
    .use(api.allowedMethods())
  return app
}
