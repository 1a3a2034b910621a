import pg from 'pg'
import { randomBytes } from 'node:crypto'
import { testDatabaseUrl } from '../../config'

export const realPostgresUrl = testDatabaseUrl()

/** Creates a fresh, uniquely named database on the TEST_DATABASE_URL server; returns its URL and a dropper. */
export async function createScratchDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `mi_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const admin = new pg.Client({ connectionString: baseUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(baseUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    },
  }
}
