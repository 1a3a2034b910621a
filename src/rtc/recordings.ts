import { createReadStream, type ReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import type { Db } from '../db/database'
import { readStream } from '../event-store'
import { NotFoundError } from '../http/errors'
import { factOf, roomStream } from '../rooms/room-facts.schema'

export interface RecordingEntry {
  file: string
  pc_id: string
  duration_seconds: number
  size_bytes: number
  saved_at: string
  url: string
}

/** The room's recordings, from its recording_saved facts (so every process lists the same). */
export async function listRecordings(db: Db, roomId: string): Promise<RecordingEntry[]> {
  const entries: RecordingEntry[] = []
  for (let from = 1; ; ) {
    const page = await readStream(db, roomStream(roomId), { fromVersion: from, limit: 1_000 })
    for (const event of page) {
      if (event.type !== 'recording_saved') continue
      const fact = factOf(event)
      if (fact.type !== 'recording_saved') continue
      const { file, pc_id, duration_seconds, size_bytes, at } = fact
      entries.push({ file, pc_id, duration_seconds, size_bytes, saved_at: at, url: `/api/interview/${roomId}/recordings/${file}` })
    }
    if (page.length < 1_000) return entries
    from = page[page.length - 1]!.stream_position + 1
  }
}

/** Where a room's recordings are written. */
export const roomRecordingsDir = (root: string, roomId: string): string => resolve(root, roomId)

/** Opens one recording; the name must stay inside the room's folder (it is also checked at the edge). */
export async function openRecording(root: string, roomId: string, file: string): Promise<{ stream: ReadStream; size: number }> {
  const dir = roomRecordingsDir(root, roomId)
  const path = resolve(join(dir, file))
  if (!path.startsWith(dir + sep)) throw new NotFoundError('No such recording')
  const info = await stat(path).catch(() => undefined)
  if (!info?.isFile()) throw new NotFoundError('No such recording')
  return { stream: createReadStream(path), size: info.size }
}
