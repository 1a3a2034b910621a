/**
 * The client side of bench/voice.bench.ts, in its own process so the server's CPU is measured
 * alone: werift peers on loopback whose microphones play a spoken sentence and then silence, over
 * and over (each peer at its own point of the loop), and that time, from the end of each
 * utterance, the transcript fact, the bot's next turn and the bot's next audio packet.
 */
import OpusScript from 'opusscript'
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCDataChannel } from 'werift'
import { encodeFrames } from '../src/rtc/audio-out/voice'
import { EspeakSynthesizer } from '../src/rtc/audio-out/speech'

export type ToClients =
  | { type: 'join'; url: string; token: string; rooms: string[]; parallel: number }
  | { type: 'measure' }
  | { type: 'leave' }
export type FromClients =
  | { type: 'joined'; failed: number }
  | { type: 'measure'; utterances: number; transcriptMs: number[]; botMs: number[]; audioMs: number[]; framesSent: number; botPackets: number[]; transcripts: number[] }
  | { type: 'left' }

const CONFIG = { iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] }
export const SENTENCE = 'I would start by clarifying the requirements, then design the data model.'
const SILENCE_FRAMES = 100 // 2 s

interface Turn {
  endAt: number
  transcriptAt?: number
  botAt?: number
  audioAt?: number
}

interface Client {
  pc: RTCPeerConnection
  mic: MediaStreamTrack
  channel: RTCDataChannel
  offset: number
  sequence: number
  turns: Turn[]
  botPackets: number
  transcripts: number
}

const clients: Client[] = []
let pattern: Buffer[] = []
let speechFrames = 0
let tick = 0
let framesSent = 0

async function prepare(): Promise<void> {
  const encoder = new OpusScript(48_000, 1, OpusScript.Application.VOIP)
  const speech = await new EspeakSynthesizer({ voice: 'en-us', rate: 170 }).synthesize(SENTENCE)
  const frames = encodeFrames(encoder, speech.samples)
  const silence = encodeFrames(encoder, new Int16Array(960 * SILENCE_FRAMES))
  encoder.delete()
  speechFrames = frames.length
  pattern = [...frames, ...silence]
}

function onMessage(client: Client, text: string): void {
  if (text.startsWith('ping')) return
  const message = JSON.parse(text) as { type: string; label?: string; data?: { source?: string } }
  if (message.label) return
  const turn = client.turns.at(-1)
  const now = performance.now()
  if (message.type === 'candidate_message' && message.data?.source === 'voice') {
    client.transcripts++
    if (turn && turn.transcriptAt === undefined) turn.transcriptAt = now
  } else if (message.type === 'bot_message' && turn?.transcriptAt !== undefined && turn.botAt === undefined) turn.botAt = now
}

async function join(url: string, token: string, roomId: string): Promise<void> {
  const pc = new RTCPeerConnection(CONFIG)
  const mic = new MediaStreamTrack({ kind: 'audio' })
  pc.addTransceiver(mic, { direction: 'sendrecv' })
  const channel = pc.createDataChannel('interview')
  const client: Client = { pc, mic, channel, offset: Math.floor(Math.random() * pattern.length), sequence: 0, turns: [], botPackets: 0, transcripts: 0 }
  channel.onMessage.subscribe((data) => onMessage(client, data.toString()))
  pc.onTrack.subscribe((track) =>
    track.onReceiveRtp.subscribe(() => {
      client.botPackets++
      const turn = client.turns.at(-1)
      if (turn?.botAt !== undefined && turn.audioAt === undefined) turn.audioAt = performance.now()
    }),
  )
  await pc.setLocalDescription(await pc.createOffer())
  if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete')
  const response = await fetch(`${url}/api/offer?room_id=${roomId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ sdp: pc.localDescription!.sdp, type: 'offer' }),
  })
  if (!response.ok) throw new Error(`offer: ${response.status} ${await response.text()}`)
  await pc.setRemoteDescription({ type: 'answer', sdp: ((await response.json()) as { sdp: string }).sdp })
  if (pc.connectionState !== 'connected') await pc.connectionStateChange.watch((s) => s === 'connected', 20_000)
  clients.push(client)
}

/** One 20 ms frame per peer per tick, drift-corrected: each microphone plays its place in the loop. */
function startAudio(): void {
  const started = performance.now()
  const step = () => {
    tick++
    for (const client of clients) {
      const index = (tick + client.offset) % pattern.length
      client.sequence++
      client.mic.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: client.sequence & 0xffff, timestamp: (client.sequence * 960) >>> 0, payloadType: 111 }), pattern[index]!))
      framesSent++
      if (index === speechFrames - 1) client.turns.push({ endAt: performance.now() })
    }
    setTimeout(step, Math.max(0, started + tick * 20 - performance.now()))
  }
  step()
}

function measure(): FromClients {
  const turns = clients.flatMap((c) => c.turns.splice(0, Math.max(0, c.turns.length - 1)))
  const since = (turn: Turn, at: number | undefined) => (at === undefined ? [] : [at - turn.endAt])
  const result: FromClients = {
    type: 'measure',
    utterances: turns.length,
    transcriptMs: turns.flatMap((t) => since(t, t.transcriptAt)),
    botMs: turns.flatMap((t) => since(t, t.botAt)),
    audioMs: turns.flatMap((t) => since(t, t.audioAt)),
    framesSent,
    botPackets: clients.map((c) => c.botPackets),
    transcripts: clients.map((c) => c.transcripts),
  }
  for (const c of clients) {
    c.botPackets = 0
    c.transcripts = 0
  }
  framesSent = 0
  return result
}

let audio = false

process.on('message', async (message: ToClients) => {
  if (message.type === 'join') {
    if (pattern.length === 0) await prepare()
    let failed = 0
    for (let i = 0; i < message.rooms.length; i += message.parallel) {
      const results = await Promise.allSettled(message.rooms.slice(i, i + message.parallel).map((room) => join(message.url, message.token, room)))
      for (const result of results) {
        if (result.status === 'fulfilled') continue
        failed++
        console.error(result.reason)
      }
    }
    if (!audio) startAudio()
    audio = true
    process.send!({ type: 'joined', failed } satisfies FromClients)
  } else if (message.type === 'measure') {
    process.send!(measure())
  } else {
    for (const { channel } of clients) channel.close()
    await new Promise((resolve) => setTimeout(resolve, 300))
    await Promise.all(clients.map(({ pc }) => pc.close().catch(() => undefined)))
    process.send!({ type: 'left' } satisfies FromClients)
    process.exit(0)
  }
})
