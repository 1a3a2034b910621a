import { expect } from 'chai'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { getStateNodes } from 'xstate/graph'
import type { AnyStateNode } from 'xstate'
import { interviewRoomMachine } from '../../machines/interview-room'
import { allStates, allTransitions, describeMachine } from '../../src/visualizer/machine-definition'
import { scxmlId, toScxml } from '../../src/visualizer/scxml'
import { toMermaid, transitionLabel } from '../../src/visualizer/mermaid'

// What the machine itself knows, read independently of the export code: every state node and every event.
const machineStates: AnyStateNode[] = getStateNodes(interviewRoomMachine.root)
const machineEvents = [...new Set(machineStates.flatMap((node) => [...node.transitions.keys()]))]
const machineTransitions = machineStates.flatMap((node) => [...node.transitions.values()].flat().map((t) => ({ node, t })))
const definition = describeMachine(interviewRoomMachine)

describe('machine exports', () => {
  it('knows the room machine: the states and events the tests below check for', () => {
    expect(machineStates.map((s) => s.path.join('.'))).to.include.members(['unopened', 'ready', 'in_progress', 'in_progress.running', 'in_progress.paused', 'completed'])
    expect(machineEvents).to.include.members(['room_opened', 'phase_started', 'timer_paused', 'timer_resumed', 'timer_reset', 'phase_changed', 'interview_completed'])
  })

  describe('JSON', () => {
    it('round-trips through JSON with every state, its nesting, initial state, tags and description', () => {
      const parsed = JSON.parse(JSON.stringify(definition)) as typeof definition
      const states = new Map(allStates(parsed).map((s) => [s.id, s]))
      expect(states.size).to.equal(machineStates.length + 1)
      for (const node of machineStates) {
        const state = states.get(node.id)
        expect(state, node.id).to.exist
        expect(state!.path).to.equal(node.path.join('.'))
        expect(state!.parent).to.equal(node.parent?.id ?? null)
        expect(state!.type).to.equal(node.type)
        expect(state!.tags).to.deep.equal([...node.tags])
        expect(state!.description).to.equal(node.description ?? null)
        expect(state!.initial).to.equal(node.type === 'compound' ? node.initial.target[0]!.id : null)
      }
    })

    it('lists every event, and every transition with its event, guard and targets', () => {
      expect(definition.events).to.have.members(machineEvents)
      const exported = allTransitions(definition)
      expect(exported).to.have.length(machineTransitions.length)
      for (const { node, t } of machineTransitions) {
        const match = exported.find((e) => e.source === node.id && e.event === t.eventType && e.targets.join() === (t.target ?? []).map((x: AnyStateNode) => x.id).join())
        expect(match, `${node.id} on ${t.eventType}`).to.exist
        expect(match!.guard).to.equal(typeof t.guard === 'string' ? t.guard : null)
        expect(match!.reenter).to.equal(t.reenter)
      }
    })

    it('names the guards and actions the machine implements', () => {
      expect(definition.guards).to.include.members(['isFirstPhase', 'isCurrentPhase', 'isNextPhase'])
      expect(definition.actions).to.include.members(['open', 'pause', 'resume'])
    })
  })

  describe('SCXML', () => {
    const xml = toScxml(definition)
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['state', 'final', 'parallel', 'transition'].includes(name) })
    const doc = parser.parse(xml).scxml

    type Element = { id?: string; initial?: string; state?: Element[]; final?: Element[]; parallel?: Element[]; transition?: Element[]; event?: string; cond?: string; target?: string; type?: string }
    const elements: { el: Element; parent: string | null; tag: string }[] = []
    const walk = (el: Element, parent: string | null) => {
      for (const tag of ['state', 'final', 'parallel'] as const) {
        for (const child of el[tag] ?? []) {
          elements.push({ el: child, parent, tag })
          walk(child, child.id!)
        }
      }
    }
    walk(doc, null)
    const byId = new Map(elements.map((e) => [e.el.id!, e]))

    it('is well-formed W3C SCXML 1.0', () => {
      expect(XMLValidator.validate(xml)).to.equal(true)
      expect(doc.xmlns).to.equal('http://www.w3.org/2005/07/scxml')
      expect(doc.version).to.equal('1.0')
      expect(doc.name).to.equal('interview_room')
      expect(doc['mi:id']).to.equal('interview-room')
      expect(doc.initial).to.equal('unopened')
    })

    it('has every state, nested under its parent, with its initial child; final states as <final>', () => {
      expect(elements).to.have.length(machineStates.length)
      for (const node of machineStates) {
        const found = byId.get(scxmlId({ path: node.path.join('.'), id: node.id }))
        expect(found, node.id).to.exist
        expect(found!.parent).to.equal(node.parent && node.parent !== interviewRoomMachine.root ? node.parent.path.join('.') : null)
        if (node.type === 'compound') expect(found!.el.initial).to.equal(node.initial.target[0]!.path.join('.'))
      }
      const finals = machineStates.filter((n) => n.type === 'final').map((n) => n.path.join('.'))
      expect(elements.filter((e) => e.tag === 'final').map((e) => e.el.id)).to.have.members(finals)
    })

    it('has every transition with its event, guard as cond, and target', () => {
      const parsed = elements.flatMap(({ el }) => (el.transition ?? []).map((t) => ({ source: el.id, ...t })))
      expect(parsed).to.have.length(machineTransitions.length)
      for (const { node, t } of machineTransitions) {
        const target = (t.target ?? []).map((x: AnyStateNode) => x.path.join('.')).join(' ') || undefined
        const match = parsed.find((p) => p.source === node.path.join('.') && p.event === t.eventType && p.target === target && p.cond === (t.guard as string | undefined))
        expect(match, `${node.id} on ${t.eventType}`).to.exist
      }
      expect(new Set(parsed.map((p) => p.event))).to.deep.equal(new Set(machineEvents))
    })

    it('escapes text so descriptions cannot break the XML', () => {
      const tricky = { ...definition, root: { ...definition.root, description: 'a < b & "c" > d' } }
      const out = toScxml(tricky)
      expect(XMLValidator.validate(out)).to.equal(true)
      expect(parser.parse(out).scxml['mi:description']).to.equal('a < b & "c" > d')
    })
  })

  describe('Mermaid', () => {
    const text = toMermaid(definition)
    const lines = text.split('\n').map((l) => l.trim())

    it('is a stateDiagram-v2 with the initial markers, and the final ones on final states', () => {
      expect(lines[0]).to.equal('stateDiagram-v2')
      expect(lines).to.include('[*] --> unopened')
      expect(lines).to.include('[*] --> running')
      for (const node of machineStates.filter((n) => n.type === 'final')) expect(lines).to.include(`${node.key} --> [*]`)
    })

    it('nests each compound state and names every state', () => {
      expect(lines).to.include('state in_progress {')
      for (const node of machineStates) expect(text, node.id).to.match(new RegExp(`(^|\\s)${node.key}( |$)`, 'm'))
    })

    it('has every transition labelled with its event and guard, one edge per pair of states carrying all their labels', () => {
      const edges = new Map<string, string[]>()
      for (const line of lines) {
        const edge = /^(\S+) --> (\S+) : (.*)$/.exec(line)
        if (!edge) continue
        const pair = `${edge[1]} --> ${edge[2]}`
        expect(edges.has(pair), `one edge for ${pair}`).to.equal(false)
        edges.set(pair, edge[3]!.split('<br/>'))
      }
      let labels = 0
      for (const { node, t } of machineTransitions) {
        const to = (t.target ?? [node]).map((x: AnyStateNode) => x.key)
        const label = transitionLabel({ event: t.eventType, guard: typeof t.guard === 'string' ? t.guard : null })
        for (const target of to) {
          expect(edges.get(`${node.key} --> ${target}`), `${node.key} --> ${target} : ${label}`).to.include(label)
          labels++
        }
      }
      expect([...edges.values()].flat()).to.have.length(labels)
    })

    it('keeps descriptions out of the drawn text, so Mermaid shows the state names', () => {
      for (const node of machineStates.filter((n) => n.description)) {
        expect(lines, node.id).to.not.include(`${node.key} : ${node.description}`)
        expect(lines.some((l) => l.startsWith(`%% ${node.key}: `)), node.id).to.equal(true)
      }
    })
  })
})
