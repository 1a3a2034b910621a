import { expect } from 'chai'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ctx } from '../support/context'
import { realPostgresUrl } from '../support/database'
import { skipUnless } from '../support/skip'
import { api, newUser, type TestUser } from '../support/http'
import { openRoom, roomCommand, storedEvents } from '../support/rooms'

const run = promisify(execFile)
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx')
/** The CLI in its own process, on the test database (through its connection string). */
const cli = (script: string, ...args: string[]) => run(TSX, [`src/cli/${script}.ts`, ...args], { cwd: process.cwd(), env: { ...process.env, ENV: 'test', DATABASE_URL: ctx().database.url } })
const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: { code: number; stderr: string }) => error)

/** The rows of a console.table: each line's cells after the index column. */
function tableRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('│') && !line.includes('(index)'))
    .map((line) => line.split('│').slice(2, -1).map((cell) => cell.trim()))
}

describe('npm run simulate', function () {
  this.timeout(60_000)
  let user: TestUser
  let roomId: string

  /** The embedded test database serves one connection (the test service's): a second process needs PostgreSQL. */
  const needsPostgres = (context: Mocha.Context) => skipUnless(context, realPostgresUrl, 'a second process cannot reach the embedded test database (set TEST_DATABASE_URL)')

  before(async () => {
    user = await newUser('sim-cli')
    roomId = (await openRoom(user)).roomId
    expect((await roomCommand(user, roomId, 'timer/start')).status).to.equal(200)
    expect((await roomCommand(user, roomId, 'timer/pause')).status).to.equal(200)
  })

  it('prints the table npm run replay prints, for the facts the steps make from the room at a version', async function () {
    needsPostgres(this)
    const { stdout } = await cli('simulate', '--room', roomId, '--version', '2', '--steps', 'pauseTimer,advance:60,resumeTimer,pauseTimer,pauseTimer')
    expect(stdout).to.include(`room ${roomId} at version 2 (in_progress.running`)
    const replay = await cli('replay', roomId)
    const header = (out: string) => out.split('\n').find((line) => line.includes('time'))!.split('│').map((c) => c.trim())
    expect(header(stdout)).to.deep.equal(header(replay.stdout))
    const rows = tableRows(stdout)
    expect(rows.map((r) => [r[1], r[2], r[3]])).to.deep.equal([
      ['3', "'timer_paused'", "'in_progress.paused'"],
      ['4', "'timer_resumed'", "'in_progress.running'"],
      ['5', "'timer_paused'", "'in_progress.paused'"],
      ['5', "'pauseTimer refused'", "'in_progress.paused'"],
    ])
    // The room itself is as it was: three events.
    expect(await storedEvents(roomId)).to.equal(3)
  })

  it('--json gives the same steps as the API', async function () {
    needsPostgres(this)
    const steps = ['resumeTimer', 'advance:30', 'skipPhase']
    const { stdout } = await cli('simulate', '--room', roomId, '--steps', steps.join(','), '--json')
    const printed = JSON.parse(stdout)
    const served = await api('POST', '/api/machines/interview-room/simulate', { token: user.token, body: { room_id: roomId, steps } })
    expect(printed.steps).to.deep.equal(served.body.steps)
  })

  it('exits 2 naming the bad step or the missing room, before reading anything', async () => {
    const bad = await failure(cli('simulate', '--room', roomId, '--steps', 'startTimer,fly'))
    expect(bad?.code).to.equal(2)
    expect(bad?.stderr).to.include('steps.1.type')
    const noRoom = await failure(cli('simulate', '--steps', 'startTimer'))
    expect(noRoom?.code).to.equal(2)
    expect(noRoom?.stderr).to.include('--room is required')
  })

  it('exits 1 for a version the room does not have', async function () {
    needsPostgres(this)
    const missing = await failure(cli('simulate', '--room', roomId, '--version', '9'))
    expect(missing?.code).to.equal(1)
    expect(missing?.stderr).to.include('has no version 9')
  })
})
