import { expect } from 'chai'
import { decide, foldFacts, initialRoomSnapshot, roomStatus, type RoomCommand } from '../../../machines/interview-room'
import { botTalk, candidateTalk, spokenMessage } from '../../../src/rtc/audio-in/talk'

const T = Date.parse('2025-03-03T09:00:00.000Z')

describe('what the bot records of the talk it hears and plays', () => {
  it('an utterance becomes the candidate’s talk time and, with words, a spoken message; the room totals them', () => {
    const utterance = { start_ms: T + 5_000, duration_ms: 2_345.6 }
    expect(candidateTalk('pc-1', utterance)).to.deep.equal({ type: 'recordTalk', pc_id: 'pc-1', speaker: 'candidate', started_at: '2025-03-03T09:00:05.000Z', duration_ms: 2_346 })
    expect(spokenMessage('pc-1', utterance, '  I would use a queue. ')).to.deep.equal({
      type: 'recordCandidateMessage',
      pc_id: 'pc-1',
      text: 'I would use a queue.',
      source: 'voice',
      started_at: '2025-03-03T09:00:05.000Z',
      duration_ms: 2_346,
    })
    expect(spokenMessage('pc-1', utterance, ' ')).to.equal(null)
    expect(botTalk('pc-1', T + 1_000, 150)).to.deep.equal({ type: 'recordTalk', pc_id: 'pc-1', speaker: 'bot', started_at: '2025-03-03T09:00:01.000Z', duration_ms: 3_000 })

    const open: RoomCommand = { type: 'openRoom', room_id: 'r', session_id: 's', owner_id: 'u', title: 't', phases: [{ sequence: 1, question_id: 'q', question_type: null, question_text: null, duration_minutes: 5, instructions: '' }], warning_fraction: null }
    let room = initialRoomSnapshot()
    for (const command of [open, { type: 'startTimer' } as RoomCommand, botTalk('pc-1', T + 1_000, 150), candidateTalk('pc-1', utterance), spokenMessage('pc-1', utterance, 'Yes.')!]) {
      room = foldFacts(decide(room, command, new Date(T + 9_000)), room)
    }
    expect(roomStatus(room, new Date(T + 10_000)).timer_status.talk).to.deep.equal({ candidate_seconds: 2.3, bot_seconds: 3, phases: [{ sequence: 1, candidate_seconds: 2.3, bot_seconds: 3 }] })
  })
})
