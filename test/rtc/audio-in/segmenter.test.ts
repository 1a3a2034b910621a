import { expect } from 'chai'
import { UtteranceSegmenter, type SegmentEvent, type SegmenterOptions } from '../../../src/rtc/audio-in/segmenter'

const RATE = 16_000
const FRAME = 320 // 20 ms

/** Feeds a pattern of 20 ms frames ('#' voiced, '.' not) and returns what the segmenter said. */
function run(pattern: string, options: Partial<SegmenterOptions> = {}, flush = false): SegmentEvent[] {
  const segmenter = new UtteranceSegmenter({ sampleRate: RATE, minSpeechMs: 100, endSilenceMs: 200, preRollMs: 60, postRollMs: 40, maxUtteranceMs: 10_000, ...options })
  const events: SegmentEvent[] = []
  ;[...pattern].forEach((c, i) => events.push(...segmenter.push(new Int16Array(FRAME).fill(i), c === '#', i * 20)))
  if (flush) events.push(...segmenter.flush())
  return events
}

const summary = (events: SegmentEvent[]) =>
  events.map((e) => (e.type === 'utterance' ? `utterance ${e.utterance.start_ms}+${e.utterance.duration_ms} (${e.utterance.samples.length / FRAME} frames)` : `${e.type} ${e.at_ms}`))

describe('utterance segmenter', () => {
  it('says nothing about silence', () => {
    expect(run('.'.repeat(200))).to.deep.equal([])
  })

  it('finds one utterance: started where the voice began, stopped where it ended, pre- and post-roll kept', () => {
    // voiced frames 10..29 (200..600 ms), then silence
    const events = run('.'.repeat(10) + '#'.repeat(20) + '.'.repeat(20))
    expect(summary(events)).to.deep.equal(['speech_started 200', 'speech_stopped 600', 'utterance 200+400 (25 frames)'])
    const utterance = events.find((e) => e.type === 'utterance')!
    if (utterance.type !== 'utterance') throw new Error('unreachable')
    // 3 frames of pre-roll (7, 8, 9), the speech (10..29), 2 frames after (30, 31)
    expect(utterance.utterance.samples[0]).to.equal(7)
    expect(utterance.utterance.samples[utterance.utterance.samples.length - 1]).to.equal(31)
    expect(utterance.utterance.sample_rate).to.equal(RATE)
  })

  it('reports speech_started only once the voice lasted minSpeechMs, with the time it began', () => {
    const events = run('..' + '#'.repeat(6), {}, false)
    expect(summary(events)).to.deep.equal(['speech_started 40'])
  })

  it('ignores a blip shorter than minSpeechMs', () => {
    expect(run('....##......##....' + '.'.repeat(30))).to.deep.equal([])
  })

  it('keeps one utterance across a pause shorter than endSilenceMs', () => {
    const events = run('#'.repeat(10) + '.'.repeat(8) + '#'.repeat(10) + '.'.repeat(20))
    expect(summary(events)).to.deep.equal(['speech_started 0', 'speech_stopped 560', 'utterance 0+560 (30 frames)'])
  })

  it('cuts long speech at maxUtteranceMs without saying the speaker stopped', () => {
    const events = run('#'.repeat(125) + '.'.repeat(20), { maxUtteranceMs: 1_000 })
    expect(summary(events)).to.deep.equal([
      'speech_started 0',
      'utterance 0+1000 (50 frames)',
      'utterance 1000+1000 (50 frames)',
      'speech_stopped 2500',
      'utterance 2000+500 (27 frames)',
    ])
  })

  it('ends the utterance under way on flush, and only then', () => {
    expect(summary(run('...' + '#'.repeat(10), {}, true))).to.deep.equal(['speech_started 60', 'speech_stopped 260', 'utterance 60+200 (13 frames)'])
    expect(run('...', {}, true)).to.deep.equal([])
  })

  it('finds each of several utterances', () => {
    const one = '#'.repeat(15) + '.'.repeat(15)
    const started = run('.....' + one + one + one).filter((e) => e.type === 'speech_started')
    expect(started.map((e) => (e.type === 'speech_started' ? e.at_ms : 0))).to.deep.equal([100, 700, 1300])
  })
})
