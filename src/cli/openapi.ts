/**
 * `npm run openapi -- [--out FILE]`: the OpenAPI document exactly as GET /openapi.json serves it,
 * built from the routes with no server and no database (`npm run lint:openapi` lints it).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { runCli } from './cli'
// The service module loads every route module, whose declarations make up the document.
import { VERSION } from '../service'
import { openApiDocument } from '../system/openapi'

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } })
  const text = `${JSON.stringify(openApiDocument(VERSION), null, 2)}\n`
  if (!values.out) {
    process.stdout.write(text)
    return 0
  }
  mkdirSync(dirname(values.out), { recursive: true })
  writeFileSync(values.out, text)
  console.error(`wrote the OpenAPI document to ${values.out}`)
  return 0
}

runCli('openapi', main)
