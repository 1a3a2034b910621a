import { NotFoundError } from '../http/errors'
import { allStates, describeMachine, type MachineDefinition } from './machine-definition'
import { MACHINES, type MachineEntry } from './machines'
import { toMermaid } from './mermaid'
import { toScxml } from './scxml'
import { simulatePath } from './simulators'
import type { ExportFormat } from './machine.schemas'

export interface MachineExport {
  contentType: string
  body: string | (MachineDefinition & { version: number | null })
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  scxml: 'application/scxml+xml; charset=utf-8',
  mermaid: 'text/vnd.mermaid; charset=utf-8',
}

const definitions = new Map<string, MachineDefinition>()

/** The definition of a listed machine, read from the machine object once (machines do not change while running). */
export function machineDefinition(entry: MachineEntry): MachineDefinition {
  let definition = definitions.get(entry.id)
  if (!definition) definitions.set(entry.id, (definition = describeMachine(entry.machine)))
  return definition
}

export function findMachine(id: string): MachineEntry {
  const entry = MACHINES.find((m) => m.id === id)
  if (!entry) throw new NotFoundError(`No machine ${id}; GET /api/machines lists them`)
  return entry
}

/** The machine in one export format. */
export function exportMachine(entry: MachineEntry, format: ExportFormat): MachineExport {
  const definition = machineDefinition(entry)
  const body = format === 'scxml' ? toScxml(definition) : format === 'mermaid' ? toMermaid(definition) : { ...definition, version: entry.version }
  return { contentType: CONTENT_TYPES[format], body }
}

/** What GET /api/machines says of each machine: enough to pick one and find its exports and actors. */
export function machineSummaries() {
  return MACHINES.map((entry) => {
    const definition = machineDefinition(entry)
    const base = `/api/machines/${encodeURIComponent(entry.id)}`
    return {
      id: entry.id,
      title: entry.title,
      version: entry.version,
      description: definition.description,
      states: allStates(definition).length - 1,
      events: definition.events.length,
      links: {
        json: base,
        scxml: `${base}?format=scxml`,
        mermaid: `${base}?format=mermaid`,
        visualizer: `/visualizer?machine=${encodeURIComponent(entry.id)}`,
      },
      actors: entry.actors,
      /** POST here to run commands and clock advances in memory (null: this machine has no simulator). */
      simulate: simulatePath(entry.id),
    }
  })
}
