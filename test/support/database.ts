import { testDatabaseUrl } from '../../config'
import { createScratchDatabase as createScratch, type ScratchDatabase } from '../../src/db/scratch'

export const realPostgresUrl = testDatabaseUrl()

/** Creates a fresh, uniquely named database on the TEST_DATABASE_URL server; returns its URL and a dropper. */
export const createScratchDatabase = (baseUrl: string): Promise<ScratchDatabase> => createScratch(baseUrl, 'mi_test')
