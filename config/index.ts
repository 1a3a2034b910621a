import { readFileSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'
import { z } from 'zod'

const CONFIG_DIR = dirname(fileURLToPath(import.meta.url))
const DEFAULT_SECRETS = new Set(['local-development-secret-change-me', 'test-secret-that-is-at-least-32-bytes-long', 'change-me', 'secret'])

const LOG_LEVELS = { debug: 'debug', info: 'info', warning: 'warn', warn: 'warn', error: 'error', fatal: 'fatal', trace: 'trace' } as const

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)

export const ConfigSchema = z
  .object({
    ENV: z.enum(['local', 'production', 'test']).default('local'),
    PORT: int(0, 65535).default(8000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z.string().url().optional(),
    DATABASE_POOL_SIZE: int(1, 500).default(10),
    DATABASE_TIMEOUT_MS: int(100, 120_000).default(5000),
    /** No single query waits longer than this (a silent network must not hang requests). */
    DATABASE_QUERY_TIMEOUT_MS: int(100, 600_000).default(30_000),
    /** Each PostgreSQL server process of the pool keeps up to twice this much freed memory (MB) rather than fault it in again; 0: the server's default. */
    DATABASE_KEEP_FREED_MB: int(0, 32).default(8),
    PGLITE_DATA_DIR: z.string().min(1).default('./data/pglite'),
    JWT_SECRET_KEY: z.string().min(1, 'is required'),
    JWT_EXPIRE_MINUTES: int(1, 60 * 24 * 30).default(30),
    JWT_ISSUER: z.string().min(1).default('mock-interview-api'),
    JWT_AUDIENCE: z.string().min(1).default('mock-interview-clients'),
    LOG_LEVEL: z
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(z.enum(Object.keys(LOG_LEVELS) as [keyof typeof LOG_LEVELS]))
      .transform((v) => LOG_LEVELS[v])
      .default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
    BCRYPT_ROUNDS: int(4, 15).default(12),
    BODY_LIMIT_KB: int(1, 10_240).default(100),
    LOGIN_RATE_LIMIT: int(1, 10_000).default(10),
    LOGIN_RATE_WINDOW_SECONDS: int(1, 86_400).default(300),
    SHUTDOWN_TIMEOUT_MS: int(100, 120_000).default(10_000),
    /** A client must send a request's headers within this (slow-header connections are closed with 408). */
    HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(10_000),
    /** A client must send a whole request, body included, within this; a response (an event stream) is not limited. */
    HTTP_REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
    /** Fraction of each phase after which phase_warning is due; 0 turns warnings off. */
    TIMER_WARNING_FRACTION: z.coerce.number().min(0).lt(1).default(0.8),
    /** How often every process polls the durable timers table (the backstop for in-process timers). */
    TIMER_POLL_MS: int(50, 60_000).default(1_000),
    /** A snapshot of each room is stored every N events, so time travel never replays a whole history. */
    SNAPSHOT_EVERY: int(1, 100_000).default(100),
    STREAM_TOKEN_TTL_SECONDS: int(10, 3_600).default(300),
    SSE_HEARTBEAT_MS: int(100, 600_000).default(30_000),
    SSE_RETRY_MS: int(100, 600_000).default(3_000),
    /** Bytes queued for one slow SSE client before its stream is closed (it resumes with Last-Event-ID). */
    SSE_MAX_BUFFER_BYTES: int(1_024, 64 * 1_024 * 1_024).default(1_024 * 1_024),
    /** Event streams one user may hold open on one process; further ones get 429. */
    SSE_MAX_STREAMS_PER_USER: int(1, 10_000).default(20),
    /** How often the log subscription reads without a wake-up (the backstop). */
    SUBSCRIPTION_POLL_MS: int(50, 60_000).default(1_000),
    /** Under a stream of commits, log reads start at least this far apart (each takes what several commits appended). */
    SUBSCRIPTION_READ_INTERVAL_MS: int(0, 1_000).default(5),
    /** Async projection passes start at least this far apart (each folds everything appended since the last). */
    PROJECTION_INTERVAL_MS: int(0, 10_000).default(250),
    /** How often every process re-reads the revoked tokens (the backstop for their LISTEN/NOTIFY push). */
    REVOCATION_POLL_MS: int(50, 60_000).default(1_000),
    /** How long a process may answer from a user it read (changes are also pushed by LISTEN/NOTIFY); 0: read on every request. */
    USER_CACHE_MS: int(0, 60_000).default(1_000),
    /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. */
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** STUN/TURN servers for the bot's peers: a JSON array of RTCIceServer, or comma-separated URLs. None by default. */
    ICE_SERVERS: z
      .string()
      .default('')
      .transform((v, ctx) => parseIceServers(v, ctx)),
    /** Only these local addresses become ICE host candidates (e.g. 127.0.0.1); unset: every interface. */
    ICE_HOST_ADDRESSES: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
      .pipe(z.array(z.string().ip({ message: 'must be IP addresses' }))),
    /** A peer that has not connected this long after its offer is closed. */
    RTC_CONNECT_TIMEOUT_MS: int(1_000, 600_000).default(60_000),
    /** Peers one process holds at most; further offers get 503. */
    RTC_MAX_PEERS: int(1, 10_000).default(200),
    /** Peers one user may hold that have not connected yet (offers answered, no connection); further offers get 429. */
    RTC_MAX_PENDING_PEERS_PER_USER: int(1, 10_000).default(4),
    /** Where each peer's audio is recorded: <RECORDINGS_DIR>/<room_id>/<pc_id>-<time>.webm. */
    RECORDINGS_DIR: z.string().min(1).default('./data/recordings'),
    /** Who the bot is: `scripted` (templates, needs nothing) or `llm` (an OpenAI-compatible chat-completions endpoint). */
    INTERVIEWER: z.enum(['scripted', 'llm']).default('scripted'),
    LLM_BASE_URL: z.string().url().optional(),
    LLM_API_KEY: z.string().optional(),
    LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
    LLM_TIMEOUT_MS: int(100, 300_000).default(20_000),
    /** `espeak` speaks the bot's turns when espeak-ng is installed; `openai` uses TTS_BASE_URL; `none` keeps the bot text-only. */
    SPEECH: z.enum(['espeak', 'openai', 'none']).default('espeak'),
    ESPEAK_VOICE: z.string().regex(/^[A-Za-z0-9_+-]{1,40}$/, 'must be an espeak-ng voice name').default('en-us'),
    /** Words per minute. */
    ESPEAK_RATE: int(80, 450).default(170),
    /** The bot's voice with SPEECH=openai: an OpenAI-compatible `POST {TTS_BASE_URL}/audio/speech`. */
    TTS_BASE_URL: z.string().url().optional(),
    TTS_API_KEY: z.string().optional(),
    TTS_MODEL: z.string().min(1).default('tts-1'),
    TTS_VOICE: z.string().min(1).max(100).default('alloy'),
    /** `wav` (its header gives the rate) or `pcm` (raw 16-bit mono at 24 kHz, as OpenAI sends it). */
    TTS_RESPONSE_FORMAT: z.enum(['wav', 'pcm']).default('wav'),
    TTS_TIMEOUT_MS: int(100, 300_000).default(20_000),
    /** The bot's ears: an OpenAI-compatible `POST {STT_BASE_URL}/audio/transcriptions`. Unset: it hears that the candidate speaks, not what. */
    STT_BASE_URL: z.string().url().optional(),
    STT_API_KEY: z.string().optional(),
    STT_MODEL: z.string().min(1).default('whisper-1'),
    /** ISO-639-1 code of the candidate's language; unset lets the engine detect it. */
    STT_LANGUAGE: z.string().regex(/^[a-z]{2,3}$/, 'must be an ISO-639-1 language code such as en').optional(),
    STT_TIMEOUT_MS: int(100, 300_000).default(15_000),
  })
  .superRefine((c, ctx) => {
    if (c.HTTP_HEADERS_TIMEOUT_MS > c.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS' })
    }
    if (c.INTERVIEWER === 'llm' && !c.LLM_BASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['LLM_BASE_URL'], message: 'is required when INTERVIEWER=llm' })
    }
    if (c.SPEECH === 'openai' && !c.TTS_BASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['TTS_BASE_URL'], message: 'is required when SPEECH=openai' })
    }
    if (c.ENV !== 'production') return
    const secret = c.JWT_SECRET_KEY
    if (DEFAULT_SECRETS.has(secret) || Buffer.byteLength(secret) < 32) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET_KEY'], message: 'must be a non-default secret of at least 32 bytes in production' })
    }
    if (c.CORS_ORIGINS.includes('*')) {
      ctx.addIssue({ code: 'custom', path: ['CORS_ORIGINS'], message: 'must list explicit origins in production, not *' })
    }
  })

export type Config = z.infer<typeof ConfigSchema>

export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

const IceServerSchema = z.array(
  z.object({ urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]), username: z.string().optional(), credential: z.string().optional() }).strict(),
)

function parseIceServers(value: string, ctx: z.RefinementCtx): IceServer[] {
  const text = value.trim()
  if (!text) return []
  if (!text.startsWith('[')) return text.split(',').map((url) => ({ urls: url.trim() })).filter((s) => s.urls)
  try {
    const parsed = IceServerSchema.safeParse(JSON.parse(text))
    if (parsed.success) return parsed.data
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'must be comma-separated stun:/turn: URLs or a JSON array of {urls, username?, credential?}' })
  return z.NEVER
}

export class ConfigError extends Error {}

function readEnvFile(env: string): Record<string, string> {
  const file = join(CONFIG_DIR, `${env}.env`)
  if (!existsSync(file)) return {}
  return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>
}

/**
 * Reads config/<ENV>.env, lets the real environment override it, and validates the result.
 * Throws ConfigError naming every invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Record<string, string> = {}): Config {
  // An empty ENV= means unset, like every other empty variable here.
  const name = overrides.ENV || env.ENV || 'local'
  const fromFile = ['local', 'production', 'test'].includes(name) ? readEnvFile(name) : {}
  const merged: Record<string, string | undefined> = { ...fromFile, ...definedOnly(env), ...overrides, ENV: name }
  for (const key of Object.keys(merged)) if (merged[key] === '') merged[key] = undefined
  const parsed = ConfigSchema.safeParse(merged)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`)
    throw new ConfigError(`Invalid configuration (ENV=${name}):\n${lines.join('\n')}`)
  }
  return parsed.data
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const keys = Object.keys(ConfigSchema._def.schema.shape)
  const out: Record<string, string> = {}
  for (const key of keys) {
    const value = env[key]
    if (value !== undefined) out[key] = value
  }
  return out
}

/** The database URL tests should use, if any (a real PostgreSQL); otherwise tests use the embedded one. */
export const testDatabaseUrl = (): string | undefined => process.env.TEST_DATABASE_URL || undefined
