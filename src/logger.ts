import bunyan from 'bunyan'
import { Writable } from 'node:stream'
import type { Config } from '../config'

export type Logger = bunyan

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const CORE_FIELDS = new Set(['name', 'hostname', 'pid', 'level', 'msg', 'time', 'v', 'err'])

/** A readable one-line-per-record stream for local development. */
function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    objectMode: true,
    write(record: Record<string, unknown>, _enc, done) {
      const time = String(record.time instanceof Date ? record.time.toISOString() : record.time).slice(11, 23)
      const extra = Object.entries(record)
        .filter(([k]) => !CORE_FIELDS.has(k))
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' ')
      const err = record.err as { stack?: string } | undefined
      out.write(`${time} ${LEVEL_NAMES[record.level as number] ?? record.level} ${record.msg} ${extra}${err?.stack ? `\n${err.stack}` : ''}\n`)
      done()
    },
  })
}

export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT'>, name = 'mock-interview-api'): Logger {
  const level = config.LOG_LEVEL as bunyan.LogLevel
  const stream: bunyan.Stream =
    config.LOG_FORMAT === 'pretty' ? { type: 'raw', level, stream: prettyStream(process.stdout) } : { level, stream: process.stdout }
  return bunyan.createLogger({ name, streams: [stream], serializers: { err: bunyan.stdSerializers.err } })
}
