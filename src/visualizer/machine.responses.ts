import { registry, z } from 'koa-swagger-decorator'

// The answers of the machine routes. They feed the OpenAPI document.

export const MachineList = z
  .object({
    machines: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        version: z.number().int().openapi({ description: 'The machine version: stored snapshots of another version are rebuilt from the facts' }),
        description: z.string().nullable(),
        states: z.number().int(),
        events: z.number().int(),
        links: z.object({ json: z.string(), scxml: z.string(), mermaid: z.string(), visualizer: z.string() }),
        simulate: z.string().nullable().openapi({ description: 'Where to POST a simulation of this machine; null when it cannot be simulated' }),
        actors: z
          .object({ label: z.string(), history: z.string(), state: z.string(), events: z.string(), stream_token: z.string() })
          .nullable()
          .openapi({ description: 'Where the visualizer reads one actor (a room) of this machine; `{id}` stands for its id' }),
      }),
    ),
  })
  .openapi('MachineList')

const nullableString = { type: 'string', nullable: true } as const
const strings = { type: 'array', items: { type: 'string' } } as const

// A state holds states: zod-to-openapi 5.5 cannot document a recursive zod schema, so the
// definition (src/visualizer/machine-definition.ts) is written as JSON Schema, once, here.
registry.registerComponent('schemas', 'MachineTransition', {
  type: 'object',
  properties: { id: { type: 'string' }, source: { type: 'string' }, event: nullableString, guard: nullableString, targets: strings, reenter: { type: 'boolean' }, actions: strings, description: nullableString },
  required: ['id', 'source', 'event', 'guard', 'targets', 'reenter', 'actions', 'description'],
})
registry.registerComponent('schemas', 'MachineState', {
  type: 'object',
  properties: {
    id: { type: 'string' },
    key: { type: 'string' },
    path: { type: 'string', description: 'The keys from the root, dotted; empty for the root' },
    parent: nullableString,
    type: { type: 'string', enum: ['atomic', 'compound', 'parallel', 'final', 'history'] },
    initial: nullableString,
    description: nullableString,
    tags: strings,
    transitions: { type: 'array', items: { $ref: '#/components/schemas/MachineTransition' } },
    states: { type: 'array', items: { $ref: '#/components/schemas/MachineState' } },
  },
  required: ['id', 'key', 'path', 'parent', 'type', 'initial', 'description', 'tags', 'transitions', 'states'],
})
registry.registerComponent('schemas', 'MachineDefinition', {
  type: 'object',
  properties: { id: { type: 'string' }, version: { type: 'integer', description: 'The machine version' }, description: nullableString, root: { $ref: '#/components/schemas/MachineState' }, events: strings, guards: strings, actions: strings },
  required: ['id', 'version', 'description', 'root', 'events', 'guards', 'actions'],
})

export const MachineExport = {
  'application/json': { $ref: '#/components/schemas/MachineDefinition' },
  'application/scxml+xml': z.string().openapi({ description: 'W3C SCXML (?format=scxml)' }),
  'text/vnd.mermaid': z.string().openapi({ description: 'Mermaid stateDiagram-v2 (?format=mermaid)' }),
}
