import { expect } from 'chai'
import { interviewRoomMachine, MACHINE_VERSION } from '../../machines/interview-room'
import { describeMachine } from '../../src/visualizer/machine-definition'
import { toMermaid } from '../../src/visualizer/mermaid'
import { toScxml } from '../../src/visualizer/scxml'
import { api } from '../support/http'

const definition = describeMachine(interviewRoomMachine)

describe('GET /api/machines', () => {
  it('lists the room machine with links to its exports and to its rooms, without a token', async () => {
    const reply = await api('GET', '/api/machines')
    expect(reply.status).to.equal(200)
    const room = reply.body.machines.find((m: { id: string }) => m.id === 'interview-room')
    expect(room).to.deep.include({ title: 'Interview room', version: MACHINE_VERSION, description: definition.description, events: definition.events.length })
    expect(room.links).to.deep.equal({
      json: '/api/machines/interview-room',
      scxml: '/api/machines/interview-room?format=scxml',
      mermaid: '/api/machines/interview-room?format=mermaid',
      visualizer: '/visualizer?machine=interview-room',
    })
    expect(room.actors).to.include({ history: '/api/interview/{id}/history', events: '/api/interview/{id}/events' })
  })

  it('is described in the OpenAPI document', async () => {
    const doc = await api('GET', '/openapi.json')
    expect(doc.body.paths).to.have.property('/api/machines')
    expect(doc.body.paths).to.have.property('/api/machines/{machine_id}')
  })
})

describe('GET /api/machines/{machine_id}', () => {
  it('returns the definition as JSON by default', async () => {
    const reply = await api('GET', '/api/machines/interview-room')
    expect(reply.status).to.equal(200)
    expect(reply.headers.get('content-type')).to.match(/^application\/json/)
    expect(reply.body).to.deep.equal(JSON.parse(JSON.stringify({ ...definition, version: MACHINE_VERSION })))
  })

  it('returns SCXML with ?format=scxml', async () => {
    const reply = await api('GET', '/api/machines/interview-room?format=scxml')
    expect(reply.status).to.equal(200)
    expect(reply.headers.get('content-type')).to.match(/^application\/scxml\+xml/)
    expect(reply.text).to.equal(toScxml(definition))
  })

  it('returns Mermaid with ?format=mermaid', async () => {
    const reply = await api('GET', '/api/machines/interview-room?format=mermaid')
    expect(reply.status).to.equal(200)
    expect(reply.headers.get('content-type')).to.match(/^text\/vnd\.mermaid/)
    expect(reply.text).to.equal(toMermaid(definition))
  })

  it('answers 404 for a machine it does not have', async () => {
    const reply = await api('GET', '/api/machines/no-such-machine')
    expect(reply.status).to.equal(404)
    expect(reply.body.error.code).to.equal('not_found')
  })

  it('answers 400 naming the field for an unknown format', async () => {
    const reply = await api('GET', '/api/machines/interview-room?format=svg')
    expect(reply.status).to.equal(400)
    expect(reply.body.error.details.map((d: { path: string }) => d.path)).to.include('format')
  })
})
