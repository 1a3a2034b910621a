import { expect } from 'chai'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { createMachine } from 'xstate'
import { getStateNodes } from 'xstate/graph'
import { allStates, allTransitions, describeMachine } from '../../src/visualizer/machine-definition'
import { toMermaid } from '../../src/visualizer/mermaid'
import { toScxml } from '../../src/visualizer/scxml'

// Shapes the room machine does not have: a parallel state, an eventless transition, transitions on
// the machine itself, the same key under two parents, a final state.
const player = createMachine({
  id: 'player',
  initial: 'idle',
  on: { RESET: '.idle' },
  states: {
    idle: { on: { LOAD: 'active' } },
    active: {
      type: 'parallel',
      states: {
        audio: { initial: 'off', states: { off: { on: { UNMUTE: 'on' } }, on: { on: { MUTE: 'off' } } } },
        video: { initial: 'off', states: { off: { on: { SHOW: 'on' } }, on: { always: { target: '#player.done', guard: 'ended' } } } },
      },
    },
    done: { type: 'final' },
  },
}).provide({ guards: { ended: () => false } })

describe('machine exports of any machine', () => {
  const definition = describeMachine(player)
  const nodes = getStateNodes(player.root)

  it('describes every state, eventless and machine-level transitions included', () => {
    expect(allStates(definition)).to.have.length(nodes.length + 1)
    const transitions = allTransitions(definition)
    expect(transitions.find((t) => t.event === null)).to.include({ source: 'player.active.video.on', guard: 'ended' })
    expect(transitions.find((t) => t.event === 'RESET')).to.deep.include({ source: 'player', targets: ['player.idle'] })
    expect(definition.events).to.include.members(['RESET', 'LOAD', 'UNMUTE', 'MUTE', 'SHOW'])
  })

  it('writes SCXML with <parallel>, an eventless <transition>, and the machine as one top-level state', () => {
    const xml = toScxml(definition)
    expect(XMLValidator.validate(xml)).to.equal(true)
    const ids = [...xml.matchAll(/<(?:state|parallel|final) id="([^"]+)"/g)].map((m) => m[1])
    expect(ids).to.have.length(nodes.length + 1)
    expect(new Set(ids).size).to.equal(ids.length)
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml).scxml
    expect(doc.initial).to.equal('player')
    expect(doc.state.transition).to.include({ event: 'RESET', target: 'idle', type: 'internal' })
    expect(xml).to.include('<parallel id="active">')
    expect(xml).to.match(/<transition cond="ended" target="done"/)
  })

  it('writes Mermaid with a unique name for each state, even where keys repeat, and regions split by --', () => {
    const text = toMermaid(definition)
    expect(text).to.include('state player {')
    expect(text).to.include('player --> idle : RESET')
    expect(text).to.match(/state audio \{[^]*\}\n +--\n +state video \{/)
    expect(text).to.include('state "off" as active__audio__off')
    expect(text).to.include('state "off" as active__video__off')
    expect(text).to.include('active__video__on --> done : always [ended]')
    expect(text).to.include('[*] --> idle')
    expect(text).to.include('done --> [*]')
  })
})
