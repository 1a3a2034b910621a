import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { startService } from '../../src/service'
import { ctx, testConfig } from '../support/context'
import { api, newUser } from '../support/http'

const sample = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(name))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0
}

describe('GET /metrics and GET /ready', () => {
  it('reports ready when the database answers, migrations ran and the subscription reads', async () => {
    const reply = await api('GET', '/ready')
    expect(reply.status).to.equal(200)
    expect(reply.body.checks).to.deep.equal({ database: true, migrations: true, subscription: true })
  })

  it('exposes Prometheus metrics that move with traffic', async () => {
    const before = (await api('GET', '/metrics')).text
    const user = await newUser('metrics')
    const roomId = `m-${randomUUID().slice(0, 8)}`
    const phases = [{ sequence: 1, question_id: 'q', duration_minutes: 1, instructions: '' }]
    expect((await api('POST', '/api/start-interview', { token: user.token, body: { room_id: roomId, phases } })).status).to.equal(201)
    expect((await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })).status).to.equal(200)
    const reply = await api('GET', '/metrics')
    expect(reply.status).to.equal(200)
    expect(reply.headers.get('content-type')).to.match(/text\/plain/)
    const route = 'http_requests_total{method="POST",route="/api/interview/:room_id/timer/start",status="200"}'
    expect(sample(reply.text, route)).to.be.greaterThan(sample(before, route))
    expect(sample(reply.text, 'events_appended_total{type="phase_started"}')).to.be.greaterThan(sample(before, 'events_appended_total{type="phase_started"}'))
    expect(sample(reply.text, 'timers_armed_total')).to.be.greaterThan(sample(before, 'timers_armed_total'))
    const commands = 'room_command_duration_seconds_count{command="startTimer",outcome="ok"}'
    expect(sample(reply.text, commands)).to.be.greaterThan(sample(before, commands))
    expect(sample(reply.text, 'group_commit_writes_total')).to.be.greaterThan(sample(before, 'group_commit_writes_total'))
    expect(sample(reply.text, 'group_commit_statement_seconds_count')).to.be.greaterThan(sample(before, 'group_commit_statement_seconds_count'))
    for (const name of ['http_request_duration_seconds_bucket', 'timer_lateness_seconds', 'sse_clients', 'subscription_lag{unit="events"}', 'projection_checkpoint_position', 'db_pool_total', 'append_conflicts_total']) {
      expect(reply.text, name).to.include(name)
    }
  })

  it('observes a fired timer from its deadline to the commit of its fact', async () => {
    const name = 'timer_due_to_commit_seconds_count{kind="deadline"}'
    const before = sample((await api('GET', '/metrics')).text, name)
    const user = await newUser('metrics')
    const roomId = `m-${randomUUID().slice(0, 8)}`
    const phases = [{ sequence: 1, question_id: 'q', duration_minutes: 0.005, instructions: '' }]
    expect((await api('POST', '/api/start-interview', { token: user.token, body: { room_id: roomId, phases } })).status).to.equal(201)
    expect((await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })).status).to.equal(200)
    let after = before
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      after = sample((await api('GET', '/metrics')).text, name)
    }
    expect(after).to.be.greaterThan(before)
  })

  it('counts open descriptors and handles without the per-type walks, beside the other process metrics', async () => {
    const before = (await api('GET', '/metrics')).text
    const { port } = new URL(ctx().url)
    const sockets: Socket[] = []
    try {
      for (let i = 0; i < 30; i++) sockets.push(connect(Number(port), '127.0.0.1'))
      await Promise.all(sockets.map((s) => once(s, 'connect')))
      const after = (await api('GET', '/metrics')).text
      // Each connection holds a descriptor and a handle at both ends (this process serves itself).
      expect(sample(after, 'process_open_fds') - sample(before, 'process_open_fds')).to.be.at.least(30)
      expect(sample(after, 'nodejs_active_handles_total') - sample(before, 'nodejs_active_handles_total')).to.be.at.least(30)
      expect(after).to.match(/^nodejs_active_requests_total \d+$/m)
      for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds', 'process_max_fds']) {
        expect(after, name).to.match(new RegExp(`^${name}`, 'm'))
      }
      expect(after).not.to.match(/^nodejs_active_(handles|requests|resources)\{type=/m)
    } finally {
      for (const s of sockets) s.destroy()
    }
  })

  it('requires the metrics token when one is configured', async () => {
    const token = 'metrics-token-0123456789'
    const service = await startService(testConfig({ METRICS_TOKEN: token }), { database: ctx().database })
    try {
      expect((await api('GET', '/metrics', { baseUrl: service.url })).status).to.equal(401)
      expect((await api('GET', '/metrics', { baseUrl: service.url, token: 'wrong-token-0123456789' })).status).to.equal(401)
      const ok = await api('GET', '/metrics', { baseUrl: service.url, token })
      expect(ok.status).to.equal(200)
      expect(ok.text).to.include('http_requests_total')
    } finally {
      await service.close()
    }
  })
})
