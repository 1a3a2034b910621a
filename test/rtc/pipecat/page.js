// The stock Pipecat web client in a page: @pipecat-ai/client-js with the small WebRTC transport,
// as an app would use them. Bundled by the test; everything it sees lands in window.seen.
import { PipecatClient } from '@pipecat-ai/client-js'
import { SmallWebRTCTransport } from '@pipecat-ai/small-webrtc-transport'

/**
 * The transport's default media manager loads a bundle from a CDN at run time; this one is the
 * microphone from getUserMedia and nothing else (no camera, no screen).
 */
class MicrophoneManager {
  constructor() {
    this._callbacks = {}
    this._micEnabled = true
    this._stream = null
  }
  setUserAudioCallback() {}
  setClientOptions(options) {
    this._callbacks = options.callbacks ?? {}
    this._micEnabled = options.enableMic ?? true
  }
  async initialize() {
    this._stream ??= await navigator.mediaDevices.getUserMedia({ audio: true })
  }
  async connect() {
    await this.initialize()
  }
  async disconnect() {
    for (const track of this._stream?.getTracks() ?? []) track.stop()
    this._stream = null
  }
  async userStartedSpeaking() {}
  bufferBotAudio() {
    return undefined
  }
  async getAllMics() {
    return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput')
  }
  async getAllCams() {
    return []
  }
  async getAllSpeakers() {
    return []
  }
  updateMic() {}
  updateCam() {}
  updateSpeaker() {}
  get selectedMic() {
    return {}
  }
  get selectedCam() {
    return {}
  }
  get selectedSpeaker() {
    return {}
  }
  enableMic(enable) {
    this._micEnabled = enable
    for (const track of this._stream?.getAudioTracks() ?? []) track.enabled = enable
  }
  enableCam() {}
  enableScreenShare() {}
  get isCamEnabled() {
    return false
  }
  get isMicEnabled() {
    return this._micEnabled
  }
  get isSharingScreen() {
    return false
  }
  get supportsScreenShare() {
    return false
  }
  tracks() {
    const audio = this._stream?.getAudioTracks()[0]
    return { local: audio ? { audio } : {} }
  }
}

const seen = []
const note = (event, data) => seen.push({ event, at: performance.now(), data })
window.seen = seen

const transport = new SmallWebRTCTransport({ mediaManager: new MicrophoneManager() })
const client = new PipecatClient({
  transport,
  enableMic: true,
  enableCam: false,
  callbacks: {
    onBotReady: (data) => note('botReady', data),
    onBotOutput: (data) => note('botOutput', data),
    onBotLlmText: (data) => note('botLlmText', data),
    onBotTtsText: (data) => note('botTtsText', data),
    onServerMessage: (data) => note('serverMessage', data),
    onBotStartedSpeaking: () => note('botStartedSpeaking'),
    onBotStoppedSpeaking: () => note('botStoppedSpeaking'),
    onUserStartedSpeaking: () => note('userStartedSpeaking'),
    onUserStoppedSpeaking: () => note('userStoppedSpeaking'),
    onUserTranscript: (data) => note('userTranscript', data),
    onError: (message) => note('error', message.data),
    onMessageError: (message) => note('messageError', message.data),
    onBotDisconnected: () => note('botDisconnected'),
    onDisconnected: () => note('disconnected'),
    // Played, as an app would: Chromium measures the energy of audio it plays out.
    onTrackStarted: (track) => {
      if (track.kind !== 'audio') return
      const player = document.createElement('audio')
      player.autoplay = true
      player.srcObject = new MediaStream([track])
      document.body.append(player)
    },
  },
})

/** The bot's audio as this browser receives it: packets and energy, sampled every 50 ms. */
async function sampleAudio() {
  const pc = transport.pc
  if (!pc) return
  const stats = await pc.getStats()
  for (const report of stats.values()) {
    if (report.type === 'inbound-rtp' && report.kind === 'audio') note('audio', { packets: report.packetsReceived, energy: report.totalAudioEnergy ?? 0 })
  }
}


window.pipecat = {
  client,
  async connect(roomId, token) {
    const ready = await client.connect({
      webrtcRequestParams: { endpoint: `/api/offer?room_id=${encodeURIComponent(roomId)}`, headers: new Headers({ Authorization: `Bearer ${token}` }) },
    })

    return ready
  },
  sendText: (text) => client.sendText(text),
  request: (t, d) => client.sendClientRequest(t, d, 5000),
  async disconnect() {

    await client.disconnect()
  },
}

window.pipecat.raw = (message) => transport.sendMessage(message)
setInterval(() => void sampleAudio(), 50)
