/**
 * `npm run chart -- [--machine ID] [--format json|scxml|mermaid] [--out FILE]`: a machine's
 * definition, exported from the machine object exactly as GET /api/machines/{id} serves it.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { fail, runCli } from './cli'
import { EXPORT_FORMATS, type ExportFormat } from '../visualizer/machine.schemas'
import { exportMachine } from '../visualizer/machine.service'
import { MACHINES } from '../visualizer/machines'

const USAGE = `usage: npm run chart -- [--machine ${MACHINES.map((m) => m.id).join('|')}] [--format ${EXPORT_FORMATS.join('|')}] [--out FILE]`

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { machine: { type: 'string' }, format: { type: 'string', default: 'json' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help) return fail(USAGE, 0)
  const format = values.format as ExportFormat
  if (!EXPORT_FORMATS.includes(format)) return fail(`--format must be one of ${EXPORT_FORMATS.join(', ')}\n${USAGE}`)
  const entry = values.machine === undefined ? MACHINES[0] : MACHINES.find((m) => m.id === values.machine)
  if (!entry) return fail(`no machine ${values.machine}\n${USAGE}`)
  const { body } = exportMachine(entry, format)
  const text = typeof body === 'string' ? body : `${JSON.stringify(body, null, 2)}\n`
  if (values.out) {
    writeFileSync(values.out, text)
    console.error(`wrote ${entry.id} as ${format} to ${values.out}`)
  } else {
    process.stdout.write(text)
  }
  return 0
}

runCli('chart', main)
