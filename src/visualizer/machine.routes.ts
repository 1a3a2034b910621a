import type { Context } from 'koa'
import { routeConfig } from 'koa-swagger-decorator'
import { exportMachine, findMachine, machineSummaries } from './machine.service'
import { MachineExportQuery, MachineParams } from './machine.schemas'
import { answers } from '../http/openapi'
import { MachineExport, MachineList } from './machine.responses'

const TAG = ['Machines']

type Args<Q = unknown> = { query: Q; params: { machine_id: string } }

// Public on purpose: a machine's definition is documentation, and holds no room's data.
export class MachineController {
  @routeConfig({ method: 'get', path: '/api/machines', summary: 'The state machines this service runs, with links to their exports and the visualizer', tags: TAG, responses: answers(200, MachineList) })
  async list(ctx: Context) {
    ctx.body = { machines: machineSummaries() }
  }

  @routeConfig({
    method: 'get',
    path: '/api/machines/{machine_id}',
    summary: "A machine's definition: JSON (default), W3C SCXML (?format=scxml) or Mermaid stateDiagram-v2 (?format=mermaid)",
    description: 'Generated from the machine object itself: states, nesting, initial states, transitions with event, guard and target, tags and descriptions.',
    tags: TAG,
    request: { params: MachineParams, query: MachineExportQuery },
    responses: answers(200, MachineExport, 404),
  })
  async export(ctx: Context, args: Args<MachineExportQuery>) {
    const entry = findMachine(args.params.machine_id)
    const { contentType, body } = exportMachine(entry, args.query.format)
    ctx.type = contentType
    ctx.body = body
  }
}
