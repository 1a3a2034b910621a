import { expect } from 'chai'
import scxml from '@scion-scxml/scxml'
import type { ModelFactory } from '@scion-scxml/core'
import { initialTransition, transition, type StateValue } from 'xstate'
import { interviewRoomMachine, type RoomFact, type RoomSnapshot } from '../../machines/interview-room'
import { describeMachine } from '../../src/visualizer/machine-definition'
import { guardVariables, toScxml } from '../../src/visualizer/scxml'

const definition = describeMachine(interviewRoomMachine)
const guards = guardVariables(definition)
const implementations = interviewRoomMachine.implementations.guards as Record<string, (args: { context: unknown; event: RoomFact }, params: unknown) => boolean>

/** The export compiled by SCION, a W3C SCXML interpreter. */
function compile(xml: string): Promise<ModelFactory> {
  return new Promise((resolve, reject) =>
    scxml.documentStringToModel('interview-room.scxml', xml, (err, factory) => {
      if (err) return reject(err)
      factory.prepare((prepareErr, model) => (prepareErr ? reject(prepareErr) : resolve(model)))
    }),
  )
}

/** Every active state of an xstate snapshot, as dotted paths (the SCXML ids). */
function xstateConfiguration(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`]
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}${key}`, ...(child ? xstateConfiguration(child, `${prefix}${key}.`) : [])])
}

/**
 * Runs facts through xstate and through the SCXML in SCION side by side. Before each fact the
 * simulator sets every guard's boolean in the SCXML datamodel to what the machine's guard answers
 * for that fact in xstate's current state (through SCION's snapshot, its way to set data).
 */
class SideBySide {
  private xs: RoomSnapshot = initialTransition(interviewRoomMachine)[0] as RoomSnapshot
  private sc: InstanceType<typeof scxml.core.Statechart>

  constructor(private readonly model: ModelFactory) {
    this.sc = new scxml.core.Statechart(model)
    this.sc.start()
  }

  send(fact: RoomFact): void {
    const snapshot = this.sc.getSnapshot()
    const datamodel = snapshot[3] as Record<string, boolean>
    for (const [guard, variable] of guards) datamodel[variable] = implementations[guard]!({ context: this.xs.context, event: fact }, undefined)
    this.sc = new scxml.core.Statechart(this.model, { snapshot })
    this.sc.gen({ name: fact.type, data: fact })
    this.xs = transition(interviewRoomMachine, this.xs, fact)[0] as RoomSnapshot
  }

  configurations(): { scxml: string[]; xstate: string[] } {
    const scion = (this.sc.getFullConfiguration() as string[]).filter((id) => !id.startsWith('$generated'))
    return { scxml: scion.sort(), xstate: xstateConfiguration(this.xs.value).sort() }
  }
}

const AT = '2025-03-03T09:00:00.000Z'
const phase = (sequence: number) => ({ sequence, question_id: `q${sequence}`, question_type: 'coding', question_text: null, duration_minutes: 1, instructions: '' })
const fact = {
  opened: (): RoomFact => ({ type: 'room_opened', room_id: 'r', session_id: 's', owner_id: 'u', title: 't', phases: [phase(10), phase(20), phase(30)], warning_fraction: 0.8, plan_id: null, at: AT }),
  started: (sequence: number): RoomFact => ({ type: 'phase_started', sequence, question_id: `q${sequence}`, question_type: 'coding', duration_minutes: 1, instructions: '', deadline: AT, at: AT }),
  paused: (sequence: number): RoomFact => ({ type: 'timer_paused', sequence, remaining_ms: 1_000, at: AT }),
  resumed: (sequence: number): RoomFact => ({ type: 'timer_resumed', sequence, remaining_ms: 1_000, deadline: AT, at: AT }),
  reset: (scope: 'phase' | 'interview', sequence: number): RoomFact => ({ type: 'timer_reset', scope, sequence, deadline: null, at: AT }),
  warned: (sequence: number): RoomFact => ({ type: 'phase_warning', sequence, remaining_ms: 1_000, at: AT }) as RoomFact,
  changed: (previous: number, next: number): RoomFact => ({ type: 'phase_changed', previous_sequence: previous, new_sequence: next, deadline: AT, transition_count: 1, at: AT }) as RoomFact,
  completed: (): RoomFact => ({ type: 'interview_completed', reason: 'ended', at: AT }) as RoomFact,
  problem: (): RoomFact => ({ type: 'problem_injected', problem_id: 'p', problem_text: 'x', at: AT }) as RoomFact,
  peerIn: (pc_id: string): RoomFact => ({ type: 'peer_connected', pc_id, at: AT }) as RoomFact,
  peerOut: (pc_id: string): RoomFact => ({ type: 'peer_disconnected', pc_id, reason: 'closed', at: AT }) as RoomFact,
  bot: (): RoomFact => ({ type: 'bot_message', pc_id: 'p1', text: 'hi', at: AT }) as RoomFact,
}

/** Sequences that take every transition, and facts whose guard refuses them (nothing moves). */
const SEQUENCES: Record<string, RoomFact[]> = {
  'a whole interview with a pause, a warning, a phase reset and every phase': [
    fact.opened(), fact.started(10), fact.warned(10), fact.warned(10), fact.paused(10), fact.resumed(10), fact.changed(10, 20),
    fact.reset('phase', 20), fact.changed(20, 30), fact.completed(), fact.bot(), fact.peerOut('p9'),
  ],
  'refused guards, skipping while paused and an interview reset': [
    fact.opened(), fact.started(20), fact.started(10), fact.peerIn('p1'), fact.peerIn('p1'), fact.paused(20), fact.paused(10),
    fact.changed(10, 30), fact.changed(10, 20), fact.reset('phase', 20), fact.reset('interview', 10), fact.problem(),
    fact.started(10), fact.reset('phase', 10), fact.peerOut('p1'), fact.peerOut('p1'), fact.completed(),
  ],
  'ended before it started, then facts a completed room does not take': [fact.opened(), fact.completed(), fact.started(10), fact.paused(10), fact.peerIn('p2'), fact.bot()],
}

/** A small seeded generator, so a failing walk can be replayed. */
function random(seed: number): () => number {
  let s = seed
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
}

function randomFact(next: () => number): RoomFact {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!
  const seq = () => pick([10, 20, 30, 40])
  return pick([
    () => fact.started(seq()),
    () => fact.paused(seq()),
    () => fact.resumed(seq()),
    () => fact.reset(pick(['phase', 'interview'] as const), seq()),
    () => fact.warned(seq()),
    () => fact.changed(seq(), seq()),
    () => fact.completed(),
    () => fact.problem(),
    () => fact.peerIn(pick(['p1', 'p2'])),
    () => fact.peerOut(pick(['p1', 'p2'])),
    () => fact.bot(),
  ])()
}

describe('the SCXML export in an SCXML interpreter (SCION)', function () {
  this.timeout(60_000)
  let model: ModelFactory
  before(async () => {
    model = await compile(toScxml(definition))
  })

  it('declares every guard its transitions name as a boolean in the <datamodel>', () => {
    const xml = toScxml(definition)
    const conds = new Set([...xml.matchAll(/ cond="([^"]+)"/g)].map((m) => m[1]))
    const data = new Set([...xml.matchAll(/<data id="([^"]+)" expr="true"/g)].map((m) => m[1]))
    expect(conds.size).to.be.greaterThan(0)
    expect([...conds].filter((c) => !data.has(c))).to.deep.equal([])
  })

  it('starts where xstate starts', () => {
    const run = new SideBySide(model)
    const { scxml: got, xstate } = run.configurations()
    expect(got).to.deep.equal(xstate)
    expect(got).to.deep.equal(['unopened'])
  })

  for (const [name, facts] of Object.entries(SEQUENCES)) {
    it(`is in xstate's configuration after every fact of ${name}`, () => {
      const run = new SideBySide(model)
      const visited = new Set<string>()
      for (const [i, f] of facts.entries()) {
        run.send(f)
        const { scxml: got, xstate } = run.configurations()
        expect(got, `after fact ${i} (${f.type})`).to.deep.equal(xstate)
        visited.add(xstate.join(' '))
      }
      expect(visited.size, 'the sequence leaves the first state').to.be.greaterThan(1)
    })
  }

  it("matches xstate's configuration over 100 random walks of 30 facts", () => {
    const next = random(13)
    const reached = new Set<string>()
    for (let walk = 0; walk < 100; walk++) {
      const run = new SideBySide(model)
      run.send(fact.opened())
      for (let step = 0; step < 30; step++) {
        const f = randomFact(next)
        run.send(f)
        const { scxml: got, xstate } = run.configurations()
        expect(got, `walk ${walk}, step ${step} (${JSON.stringify(f)})`).to.deep.equal(xstate)
        reached.add(xstate.join(' '))
      }
    }
    expect([...reached]).to.include.members(['ready', 'in_progress in_progress.running', 'in_progress in_progress.paused', 'completed'])
  })
})
