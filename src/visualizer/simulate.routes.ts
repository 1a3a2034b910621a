import type { Context } from 'koa'
import { body, routeConfig } from 'koa-swagger-decorator'
import { answers } from '../http/openapi'
import { MachineParams } from './machine.schemas'
import { SimulateBody, SimulateResponse } from './simulate.schemas'
import { simulateMachine } from './simulate.service'

const TAG = ['Machines']
const security: Record<string, string[]>[] = [{}, { bearerAuth: [] }]

type Args = { params: { machine_id: string }; body: SimulateBody }

export class SimulateController {
  @routeConfig({
    method: 'post',
    path: '/api/machines/{machine_id}/simulate',
    summary: 'Run commands and clock advances on a plan or on a stored room at a version, in memory: nothing is written',
    description:
      'Start from `phases`, `mock_interview_id` (a token) or `room_id` + `version` (a token of its owner or an admin). A step is a command name ("pauseTimer"), a command with its fields ({"type": "resetTimer", "scope": "phase"}), or "advance:<seconds>", which fires the due warnings and deadlines in order. Each step answers the facts produced or the refusal (as the 409 of the command), the state and the status after it.',
    tags: TAG,
    security,
    request: { params: MachineParams },
    responses: answers(200, SimulateResponse, 404),
  })
  @body(SimulateBody)
  async simulate(ctx: Context, args: Args) {
    ctx.body = await simulateMachine({ rooms: ctx.deps.rooms, clock: ctx.deps.clock }, ctx.state.user, args.params.machine_id, args.body)
  }
}
