import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Router from '@koa/router'
import swaggerUi from 'swagger-ui-dist'
import { registry, z } from 'koa-swagger-decorator'
import { answers } from '../http/openapi'
import { openApiDocument } from './openapi'

registry.registerPath({
  method: 'get',
  path: '/openapi.json',
  operationId: 'System-openapi',
  summary: 'This document',
  tags: ['System'],
  responses: answers(200, z.object({ openapi: z.string() }).passthrough().openapi({ description: 'OpenAPI 3.0', additionalProperties: true })),
})

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Mock Interview API — docs</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  <link rel="icon" href="/docs/assets/favicon-32x32.png" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
`

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', persistAuthorization: true });\n`

/** Swagger UI served from the installed swagger-ui-dist package: the docs work with no internet. */
export function docsRouter(version: string): Router {
  const dir = swaggerUi.getAbsoluteFSPath()
  const router = new Router()
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument(version)
  })
  router.get('/docs', (ctx) => {
    ctx.type = 'html'
    ctx.body = PAGE
  })
  router.get('/docs/assets/init.js', (ctx) => {
    ctx.type = 'application/javascript'
    ctx.body = INIT
  })
  router.get('/docs/assets/:file', (ctx) => {
    const type = ASSETS[ctx.params.file ?? '']
    if (!type) return
    ctx.type = type
    ctx.set('Cache-Control', 'public, max-age=86400')
    ctx.body = readFileSync(join(dir, ctx.params.file!))
  })
  return router
}
