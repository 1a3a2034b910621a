import { setUpTestContext, tearDownTestContext } from './context'
import { realPostgresUrl } from './database'

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000)
    const ctx = await setUpTestContext()
    console.log(`  database: ${realPostgresUrl ? 'PostgreSQL (TEST_DATABASE_URL)' : 'embedded PGlite'}; service at ${ctx.url}`)
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000)
    await tearDownTestContext()
  },
}
