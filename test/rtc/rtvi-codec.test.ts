import { expect } from 'chai'
import { botOutput, botReady, errorResponse, parseInbound, peerLeft, rtviError, serverMessage, serverResponse, userTranscription } from '../../src/rtc/rtvi/rtvi.codec'

const labelled = (type: string, data?: unknown, id = 'a1b2c3d4') => JSON.stringify({ label: 'rtvi-ai', type, id, data })

describe('RTVI codec', () => {
  describe('parseInbound', () => {
    it('reads client-ready, send-text, append-to-context, client-message and disconnect-bot as the stock client sends them', () => {
      expect(parseInbound(labelled('client-ready', { version: '2.1.0', about: { library: '@pipecat-ai/client-js', library_version: '1.13.1' } }))).to.deep.include({ kind: 'rtvi' })
      expect(parseInbound(labelled('send-text', { content: '  Use a hash map. ', options: {} }))).to.deep.equal({
        kind: 'rtvi',
        request: { type: 'send-text', id: 'a1b2c3d4', data: { content: 'Use a hash map.', options: {} } },
      })
      expect(parseInbound(labelled('append-to-context', { role: 'user', content: 'Hi', run_immediately: true }))).to.have.nested.property('request.data.content', 'Hi')
      expect(parseInbound(labelled('client-message', { t: 'candidate_message', d: { text: 'x' } }))).to.have.nested.property('request.data.t', 'candidate_message')
      expect(parseInbound(labelled('disconnect-bot', {}))).to.have.nested.property('request.type', 'disconnect-bot')
    })

    it('tells keep-alives, the transport’s signalling and our own protocol apart', () => {
      expect(parseInbound('ping: 1764470000000')).to.deep.equal({ kind: 'keepalive' })
      expect(parseInbound(JSON.stringify({ type: 'signalling', message: { type: 'trackStatus', receiver_index: 0, enabled: true } }))).to.deep.equal({
        kind: 'signalling',
        message: { type: 'trackStatus', receiver_index: 0, enabled: true },
      })
      expect(parseInbound(JSON.stringify({ type: 'candidate_message', text: 'hi' }))).to.deep.equal({ kind: 'ours', value: { type: 'candidate_message', text: 'hi' } })
      expect(parseInbound('{not json')).to.deep.equal({ kind: 'malformed' })
      expect(parseInbound('[1,2]')).to.deep.equal({ kind: 'malformed' })
      expect(parseInbound('null')).to.deep.equal({ kind: 'malformed' })
    })

    it('refuses an unknown type by name, an unsupported one as such, and a bad field by its path, keeping the id', () => {
      expect(parseInbound(labelled('teleport', {}))).to.deep.equal({ kind: 'rtvi_refused', id: 'a1b2c3d4', type: 'teleport', error: 'Unknown RTVI message type "teleport"' })
      expect(parseInbound(labelled('dtmf', { buttons: ['1'] }))).to.include({ kind: 'rtvi_refused', error: 'RTVI message type "dtmf" is not supported by this bot' })
      const empty = parseInbound(labelled('send-text', { content: '   ' }))
      expect(empty).to.include({ kind: 'rtvi_refused', type: 'send-text', id: 'a1b2c3d4' })
      expect((empty as { error: string }).error).to.match(/^Invalid send-text: data\.content: /)
      const nul = parseInbound(labelled('send-text', { content: 'a\u0000b' }))
      expect((nul as { error: string }).error).to.include('NUL')
      const assistant = parseInbound(labelled('append-to-context', { role: 'assistant', content: 'I am the bot' }))
      expect((assistant as { error: string }).error).to.include('data.role: only the candidate')
      expect(parseInbound(JSON.stringify({ label: 'rtvi-ai', data: {} }))).to.include({ kind: 'rtvi_refused', error: 'An RTVI message needs a type' })
      expect(parseInbound(labelled('client-message', { d: 1 }))).to.include({ kind: 'rtvi_refused', type: 'client-message' })
    })
  })

  describe('encoders', () => {
    it('label every bot message "rtvi-ai" and put the request id only on answers', () => {
      expect(botReady({ library: 'x', library_version: '1' }, 'id1')).to.deep.equal({ label: 'rtvi-ai', type: 'bot-ready', id: 'id1', data: { version: '2.1.0', about: { library: 'x', library_version: '1' } } })
      expect(botOutput('Hello.', true)).to.deep.equal({ label: 'rtvi-ai', type: 'bot-output', data: { text: 'Hello.', spoken: true, aggregated_by: 'sentence' } })
      expect(serverMessage('phase_changed', { version: 3 })).to.deep.equal({ label: 'rtvi-ai', type: 'server-message', data: { type: 'phase_changed', data: { version: 3 } } })
      expect(serverResponse('r1', 'candidate_message', { ok: true })).to.deep.equal({ label: 'rtvi-ai', type: 'server-response', id: 'r1', data: { t: 'candidate_message', d: { ok: true } } })
      expect(errorResponse('r2', 'nope')).to.deep.equal({ label: 'rtvi-ai', type: 'error-response', id: 'r2', data: { error: 'nope' } })
      expect(rtviError('bad')).to.deep.equal({ label: 'rtvi-ai', type: 'error', data: { error: 'bad', fatal: false } })
      expect(userTranscription('hi', '2026-11-30T00:00:00.000Z', 'u1')).to.deep.equal({
        label: 'rtvi-ai',
        type: 'user-transcription',
        data: { text: 'hi', final: true, timestamp: '2026-11-30T00:00:00.000Z', user_id: 'u1' },
      })
      expect(peerLeft()).to.deep.equal({ type: 'signalling', message: { type: 'peerLeft' } })
    })
  })
})
