import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Projection } from '../../projections'
import { ProjectionWorker } from '../../src/rooms/projector'
import { ctx } from '../support/context'
import { quietLogger } from '../support/runtime'
import { sleep, waitFor } from './live.fixtures'

const db = () => ctx().database.db

/** A projection that writes nothing: its checkpoint row shows whether a pass has run. */
const emptyProjection = (): Projection => ({ name: `backlog-${randomUUID()}`, tables: [], handles: [], apply: async () => undefined })

/** Whether a pass of `projection` has run (its first pass makes its checkpoint row). */
async function hasRun(projection: Projection): Promise<boolean> {
  const rows = await sql`select 1 from projection_checkpoints where name = ${projection.name}`.execute(db())
  return rows.rows.length > 0
}

describe('ProjectionWorker and a backlog of commands', () => {
  it('holds a pass while commands wait to be written, and runs it once they are', async () => {
    const projection = emptyProjection()
    let backlogged = true
    const worker = new ProjectionWorker(db(), [projection], quietLogger, { backlog: () => backlogged })
    const pass = worker.wake()
    await sleep(300)
    expect(await hasRun(projection), 'a pass ran during the backlog').to.equal(false)
    backlogged = false
    await waitFor(() => hasRun(projection), 2_000, 'the pass once the backlog cleared')
    await pass
  })

  it('holds the next projection of a pass when a backlog begins during the pass', async () => {
    const [first, second] = [emptyProjection(), emptyProjection()]
    // No backlog when the pass begins; one from the next look on (a burst began meanwhile).
    let looks = 0
    let burst = true
    const worker = new ProjectionWorker(db(), [first, second], quietLogger, { backlog: () => looks++ > 0 && burst })
    const pass = worker.wake()
    await sleep(300)
    expect(await hasRun(first), 'the projection before the burst').to.equal(true)
    expect(await hasRun(second), 'the projection after it began').to.equal(false)
    burst = false
    await waitFor(() => hasRun(second), 2_000, 'the second projection once the backlog cleared')
    await pass
  })

  it('runs a pass after a second at most, however long the backlog lasts', async () => {
    const projection = emptyProjection()
    const worker = new ProjectionWorker(db(), [projection], quietLogger, { backlog: () => true })
    const started = Date.now()
    const pass = worker.wake()
    await sleep(500)
    expect(await hasRun(projection), 'a pass ran during the backlog').to.equal(false)
    await pass
    expect(await hasRun(projection)).to.equal(true)
    expect(Date.now() - started).to.be.within(950, 5_000)
  })
})
