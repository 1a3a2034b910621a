import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { expect } from 'chai'
import type { Db } from '../../src/db/database'
import { roomStream } from '../../src/rooms/room-facts.schema'
import type { RecordedEvent, RecordedHistory } from '../../src/rooms/history-record'

const DIR = join(import.meta.dirname, '..', 'fixtures', 'histories')

/** Every golden history in test/fixtures/histories/, by file name. */
export function goldenHistories(): { file: string; history: RecordedHistory }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, history: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as RecordedHistory }))
}

/** The full room recorded by the release before fact and machine versions: every fact of it is stored unversioned. */
export function preVersionHistory(): RecordedHistory {
  return goldenHistories().find((h) => h.file === 'corpus-full-b68e56b2.json')!.history
}

/** Writes a recorded history's events into the log under `roomId`, exactly as they were stored (data and metadata untouched). */
export async function storeRecorded(db: Db, roomId: string, events: RecordedEvent[]): Promise<void> {
  await sql`
    insert into events (stream_id, stream_position, type, data, metadata, recorded_at)
    select ${roomStream(roomId)}, e.position, e.type, e.data::jsonb, e.metadata::jsonb, e.recorded_at
      from unnest(${events.map((e) => e.version)}::int[], ${events.map((e) => e.type)}::text[], ${events.map((e) => JSON.stringify(e.data))}::text[],
                  ${events.map((e) => JSON.stringify(e.metadata))}::text[], ${events.map((e) => e.recorded_at)}::timestamptz[])
        as e(position, type, data, metadata, recorded_at)`.execute(db)
}

/**
 * What was recorded must still be what today's code says: every recorded field is compared
 * (fields added to the status since are allowed), so the corpus only grows.
 */
export function expectRecorded(actual: unknown, recorded: unknown, where: string): void {
  if (recorded !== null && typeof recorded === 'object' && !Array.isArray(recorded)) {
    expect(actual, where).to.be.an('object')
    for (const [key, value] of Object.entries(recorded)) expectRecorded((actual as Record<string, unknown>)[key], value, `${where}.${key}`)
    return
  }
  expect(JSON.parse(JSON.stringify(actual ?? null)), where).to.deep.equal(recorded)
}
