import { expect } from 'chai'
import { Hearing, type HearingOptions } from '../../../src/rtc/audio-in/hearing'
import type { Utterance } from '../../../src/rtc/audio-in/segmenter'
import { skipUnless } from '../../support/skip'
import { compose, hasEspeak, noise, opusPackets, silence, speech, tone, type Span } from './speech.fixtures'

interface Heard {
  started: number[]
  stopped: number[]
  utterances: Utterance[]
}

/** Plays the packets into a Hearing as if they arrived every 20 ms from `t0`, then closes it. */
async function hear(packets: Array<{ payload: Buffer; timestamp: number }>, options: Partial<HearingOptions> = {}, arrival = (i: number) => 5_000 + i * 20): Promise<Heard & { hearing: Hearing }> {
  const heard: Heard = { started: [], stopped: [], utterances: [] }
  const hearing = await Hearing.create(
    { onSpeechStarted: (at) => heard.started.push(at - 5_000), onSpeechStopped: (at) => heard.stopped.push(at - 5_000), onUtterance: (u) => heard.utterances.push({ ...u, start_ms: u.start_ms - 5_000 }) },
    options,
  )
  packets.forEach((p, i) => hearing.push(p, arrival(i)))
  hearing.close()
  return { ...heard, hearing }
}

/** Every expected span has exactly one utterance starting within `slackMs` of it, and nothing else was heard. */
function expectSpans(heard: Heard, spans: Span[], startSlackMs: number, endSlackMs: number): void {
  expect(heard.utterances, 'utterances found / expected').to.have.length(spans.length)
  expect(heard.started).to.have.length(spans.length)
  spans.forEach((span, i) => {
    expect(Math.abs(heard.started[i]! - span.start_ms), `start of utterance ${i + 1}`).to.be.at.most(startSlackMs)
    expect(Math.abs(heard.stopped[i]! - span.end_ms), `end of utterance ${i + 1}`).to.be.at.most(endSlackMs)
    expect(heard.utterances[i]!.start_ms).to.equal(heard.started[i])
  })
}

describe('hearing: Opus packets → voice activity → utterances', () => {
  it('hears nothing in silence, or in steady background noise', async () => {
    expect((await hear(opusPackets(silence(3_000)))).started).to.deep.equal([])
    expect((await hear(opusPackets(noise(3_000, 1_500)))).started).to.deep.equal([])
  })

  it('hears a voiced tone between silences, from where it starts to (about) where it ends', async () => {
    const signal = compose([{ samples: silence(600) }, { samples: tone(1_200), speech: true }, { samples: silence(1_500) }])
    const heard = await hear(opusPackets(signal.samples))
    expectSpans(heard, signal.spans, 60, 250)
    const utterance = heard.utterances[0]!
    expect(utterance.sample_rate).to.equal(16_000)
    // The speech, its 200 ms pre-roll and up to 100 ms after it.
    expect(utterance.samples.length / 16).to.be.within(utterance.duration_ms + 200, utterance.duration_ms + 300)
  })

  it('does not take a short tone (under the minimum speech length) for speech', async () => {
    const signal = compose([{ samples: silence(600) }, { samples: tone(60) }, { samples: silence(1_500) }])
    expect((await hear(opusPackets(signal.samples))).started).to.deep.equal([])
  })

  it('finds each sentence of real speech (espeak-ng) at its known boundaries', async function () {
    skipUnless(this, await hasEspeak(), 'espeak-ng is not installed')
    const signal = await speech()
    const heard = await hear(opusPackets(signal.samples))
    expectSpans(heard, signal.spans, 100, 300)
  })

  it('fills lost packets with silence and drops late ones, so the clock and the sentences stay right', async function () {
    skipUnless(this, await hasEspeak(), 'espeak-ng is not installed')
    const signal = await speech()
    const packets = opusPackets(signal.samples)
    // Every 13th packet lost, every 17th delivered a second time after the next one.
    const delivered: Array<{ payload: Buffer; timestamp: number; index: number }> = []
    packets.forEach((p, index) => {
      if (index % 13 === 5) return
      delivered.push({ ...p, index })
      if (index % 17 === 3 && index > 0) delivered.push({ ...packets[index - 1]!, index: index - 1 })
    })
    const heard = await hear(delivered, {}, (i) => 5_000 + delivered[i]!.index * 20)
    expectSpans(heard, signal.spans, 100, 300)
    const stats = heard.hearing.stats
    expect(stats.late).to.be.greaterThan(0)
    expect(stats.concealed_ms).to.equal(Math.ceil((packets.length - 5) / 13) * 20)
  })

  it('survives payloads that are not Opus, and counts them', async () => {
    const good = opusPackets(tone(400))
    const junk = [Buffer.alloc(0), Buffer.alloc(5_000, 0xff), Buffer.from([0xfc])].map((payload, i) => ({ payload, timestamp: good[good.length - 1]!.timestamp + (i + 1) * 960 }))
    const heard = await hear([...good, ...junk])
    expect(heard.hearing.stats.undecodable).to.be.at.least(2)
    expect(heard.hearing.stats.packets).to.equal(good.length + junk.length)
  })

  it('ends an utterance at a long gap in the RTP clock and restarts its clock at the next arrival', async () => {
    const voiced = opusPackets(tone(800))
    const later = opusPackets(compose([{ samples: tone(800) }, { samples: silence(1_000) }]).samples, voiced[voiced.length - 1]!.timestamp + 48_000 * 60)
    const heard = await hear([...voiced, ...later], {}, (i) => 5_000 + (i < voiced.length ? i * 20 : 30_000 + (i - voiced.length) * 20))
    expect(heard.started).to.have.length(2)
    expect(heard.stopped[0]).to.be.at.most(800 + 150)
    expect(heard.started[1]).to.be.within(30_000, 30_060)
  })
})
