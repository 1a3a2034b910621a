// The demo page: signs in, joins a room's interview bot over WebRTC, shows what it says.
'use strict'

const $ = (id) => document.getElementById(id)
const state = { token: sessionStorage.getItem('token'), pc: null, channel: null, pcId: null, keepAlive: null }

async function call(method, path, body) {
  const headers = { 'content-type': 'application/json' }
  if (state.token) headers.authorization = `Bearer ${state.token}`
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const data = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(data.error?.message ?? `${method} ${path}: ${response.status}`)
  return data
}

function show(text, kind) {
  const item = document.createElement('li')
  item.className = kind
  item.textContent = text
  $('messages').append(item)
  item.scrollIntoView({ block: 'end' })
}

function describe(message) {
  const data = message.data ?? {}
  switch (message.type) {
    case 'phase_started': return `Part ${data.sequence} started`
    case 'phase_changed': return `Moved to part ${data.new_sequence}`
    case 'phase_warning': return `${Math.round(data.remaining_ms / 1000)} s left in this part`
    case 'timer_paused': return 'Paused'
    case 'timer_resumed': return 'Resumed'
    case 'interview_completed': return 'The interview is over'
    case 'peer_connected': return 'Connected to the interviewer'
    default: return null
  }
}

function onMessage(event) {
  const message = JSON.parse(event.data)
  if (message.type === 'bot_message') return show(message.text, 'bot')
  if (message.type === 'candidate_message' && message.data.pc_id === state.pcId) return show(message.data.text, 'me')
  if (message.type === 'error') return show(message.message, 'error')
  const line = describe(message)
  if (line) show(line, 'event')
}

function setStatus(text) {
  $('status').textContent = text
}

function gathered(pc, ms) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => pc.iceGatheringState === 'complete' && resolve()
    pc.addEventListener('icegatheringstatechange', done)
    setTimeout(resolve, ms)
  })
}

async function join(roomId) {
  const pc = new RTCPeerConnection({ iceServers: [] })
  state.pc = pc
  const microphone = await navigator.mediaDevices.getUserMedia({ audio: true })
  for (const track of microphone.getTracks()) pc.addTrack(track, microphone)
  const channel = pc.createDataChannel('interview', { ordered: true })
  state.channel = channel
  channel.addEventListener('message', onMessage)
  channel.addEventListener('open', () => {
    $('send').disabled = false
    state.keepAlive = setInterval(() => channel.readyState === 'open' && channel.send(JSON.stringify({ type: 'ping' })), 10000)
  })
  pc.addEventListener('track', (event) => {
    $('bot-audio').srcObject = event.streams[0] ?? new MediaStream([event.track])
  })
  pc.addEventListener('connectionstatechange', () => setStatus(pc.connectionState))
  await pc.setLocalDescription(await pc.createOffer())
  await gathered(pc, 2000)
  const answer = await call('POST', `/api/offer?room_id=${encodeURIComponent(roomId)}`, { sdp: pc.localDescription.sdp, type: 'offer' })
  state.pcId = answer.pc_id
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp })
  // Candidates found after the offer went out are trickled.
  pc.addEventListener('icecandidate', ({ candidate }) => {
    if (!candidate || !candidate.candidate) return
    call('PATCH', '/api/offer', { pc_id: state.pcId, candidates: [{ candidate: candidate.candidate, sdp_mid: candidate.sdpMid, sdp_mline_index: candidate.sdpMLineIndex }] }).catch(() => {})
  })
  $('leave').disabled = false
  $('join').disabled = true
}

function leave() {
  clearInterval(state.keepAlive)
  state.channel?.close()
  state.pc?.getSenders().forEach((sender) => sender.track?.stop())
  state.pc?.close()
  state.pc = state.channel = null
  $('leave').disabled = true
  $('join').disabled = false
  $('send').disabled = true
  setStatus('not connected')
}

const DEMO_PLAN = [
  { sequence: 1, question_id: 'intro', question_type: 'behavioral', question_text: 'Tell me about a project you are proud of', duration_minutes: 2, instructions: 'Ask what their own part was' },
  { sequence: 2, question_id: 'coding', question_type: 'coding', question_text: 'How would you reverse a linked list', duration_minutes: 3, instructions: 'Ask about complexity and tests' },
  { sequence: 3, question_id: 'wrap-up', question_type: null, question_text: 'Do you have questions for me', duration_minutes: 1, instructions: 'Keep it short' },
]

function guard(work) {
  return (event) => {
    event?.preventDefault()
    Promise.resolve(work(event)).catch((error) => show(error.message, 'error'))
  }
}

$('login-form').addEventListener('submit', guard(async () => {
  const data = await call('POST', '/api/v1/auth/login', { email: $('email').value, password: $('password').value })
  state.token = data.access_token
  sessionStorage.setItem('token', state.token)
  $('who').textContent = `signed in as ${data.user.username}`
}))

$('create').addEventListener('click', guard(async () => {
  const roomId = `demo-${Math.random().toString(36).slice(2, 10)}`
  await call('POST', '/api/start-interview', { room_id: roomId, title: 'Demo interview', phases: DEMO_PLAN })
  $('room').value = roomId
}))

$('room-form').addEventListener('submit', guard(() => join($('room').value.trim())))
$('leave').addEventListener('click', guard(leave))

$('say-form').addEventListener('submit', guard(() => {
  const text = $('say').value.trim()
  if (!text || state.channel?.readyState !== 'open') return
  state.channel.send(JSON.stringify({ type: 'candidate_message', text }))
  $('say').value = ''
}))

for (const button of document.querySelectorAll('[data-command]')) {
  button.addEventListener('click', guard(() => call('POST', `/api/interview/${encodeURIComponent($('room').value.trim())}/${button.dataset.command}`)))
}

const params = new URLSearchParams(location.search)
if (params.get('room_id')) $('room').value = params.get('room_id')
if (state.token) $('who').textContent = 'signed in'
