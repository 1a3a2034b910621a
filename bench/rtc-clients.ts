/**
 * The client side of bench/rtc.bench.ts, in its own process so the server's CPU is measured
 * alone: werift peers on loopback that join rooms, report timings, and send a 20 ms Opus frame
 * every 20 ms each until told to leave.
 */
import OpusScript from 'opusscript'
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCDataChannel } from 'werift'

export type ToClients = { type: 'join'; url: string; token: string; rooms: string[]; parallel: number } | { type: 'count' } | { type: 'leave' }
export type FromClients = { type: 'joined'; connectedMs: number[]; firstBotMs: number[]; failed: number } | { type: 'count'; frames: number } | { type: 'left' }

const CONFIG = { iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] }

interface Client {
  pc: RTCPeerConnection
  mic: MediaStreamTrack
  channel: RTCDataChannel
}

const clients: Client[] = []
let sequence = 0

function toneFrame(): Buffer {
  const encoder = new OpusScript(48_000, 1, OpusScript.Application.AUDIO)
  const pcm = Buffer.alloc(1_920)
  for (let i = 0; i < 960; i++) pcm.writeInt16LE(Math.round(6_000 * Math.sin((2 * Math.PI * 330 * i) / 48_000)), i * 2)
  const frame = Buffer.from(encoder.encode(pcm, 960))
  encoder.delete()
  return frame
}

async function join(url: string, token: string, roomId: string): Promise<{ connectedMs: number; firstBotMs: number }> {
  const pc = new RTCPeerConnection(CONFIG)
  const mic = new MediaStreamTrack({ kind: 'audio' })
  pc.addTransceiver(mic, { direction: 'sendrecv' })
  const channel = pc.createDataChannel('interview')
  const firstBot = new Promise<number>((resolve) => channel.onMessage.subscribe((data) => JSON.parse(data.toString()).type === 'bot_message' && resolve(performance.now())))
  await pc.setLocalDescription(await pc.createOffer())
  if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete')
  const started = performance.now()
  const response = await fetch(`${url}/api/offer?room_id=${roomId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ sdp: pc.localDescription!.sdp, type: 'offer' }),
  })
  if (!response.ok) throw new Error(`offer: ${response.status} ${await response.text()}`)
  const answer = (await response.json()) as { sdp: string }
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp })
  await pc.connectionStateChange.watch((s) => s === 'connected', 20_000)
  const connectedAt = performance.now()
  const botAt = await Promise.race([firstBot, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no bot message in 20 s')), 20_000))])
  clients.push({ pc, mic, channel })
  return { connectedMs: connectedAt - started, firstBotMs: botAt - started }
}

function startAudio(frame: Buffer): NodeJS.Timeout {
  return setInterval(() => {
    sequence++
    for (const { mic } of clients) mic.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: sequence & 0xffff, timestamp: (sequence * 960) >>> 0, payloadType: 111 }), frame))
  }, 20)
}

let audio: NodeJS.Timeout | undefined

process.on('message', async (message: ToClients) => {
  if (message.type === 'join') {
    const connectedMs: number[] = []
    const firstBotMs: number[] = []
    let failed = 0
    audio ??= startAudio(toneFrame())
    for (let i = 0; i < message.rooms.length; i += message.parallel) {
      const batch = message.rooms.slice(i, i + message.parallel)
      const results = await Promise.allSettled(batch.map((room) => join(message.url, message.token, room)))
      for (const result of results) {
        if (result.status === 'fulfilled') {
          connectedMs.push(result.value.connectedMs)
          firstBotMs.push(result.value.firstBotMs)
        } else {
          failed++
          console.error(result.reason)
        }
      }
    }
    process.send!({ type: 'joined', connectedMs, firstBotMs, failed } satisfies FromClients)
  } else if (message.type === 'count') {
    process.send!({ type: 'count', frames: sequence } satisfies FromClients)
  } else {
    clearInterval(audio)
    // Closing the data channel is how a browser's leaving shows: the server saves each recording.
    for (const { channel } of clients) channel.close()
    await new Promise((resolve) => setTimeout(resolve, 500))
    await Promise.all(clients.map(({ pc }) => pc.close().catch(() => undefined)))
    process.send!({ type: 'left' } satisfies FromClients)
  }
})
