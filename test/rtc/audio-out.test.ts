import { expect } from 'chai'
import { AudioClock, AudioOut } from '../../src/rtc/audio-out/audio-out'
import { sleep } from '../support/runtime'

describe('AudioOut speaking events', () => {
  const frames = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from([0xf8, i & 0xff]))

  it('says started when the first packet of a talkspurt goes out and stopped when the queue drains', async () => {
    const clock = new AudioClock()
    const out = new AudioOut(clock)
    const sent: number[] = []
    out.track.onReceiveRtp.subscribe((packet) => sent.push(packet.header.sequenceNumber))
    const events: Array<{ speaking: boolean; packets: number }> = []
    out.onSpeaking = (speaking) => events.push({ speaking, packets: sent.length })
    out.play(frames(10))
    expect(events, 'nothing before a packet is sent').to.deep.equal([])
    await sleep(400)
    expect(events).to.deep.equal([
      { speaking: true, packets: 1 },
      { speaking: false, packets: 10 },
    ])
    out.stop()
    clock.stop()
  })

  it('interrupt() drops the queue at once and says stopped; the next turn is a new talkspurt', async () => {
    const clock = new AudioClock()
    const out = new AudioOut(clock)
    const markers: boolean[] = []
    out.track.onReceiveRtp.subscribe((packet) => markers.push(packet.header.marker))
    const events: boolean[] = []
    out.onSpeaking = (speaking) => events.push(speaking)
    out.play(frames(100))
    await sleep(120)
    out.interrupt()
    const cut = markers.length
    expect(events).to.deep.equal([true, false])
    expect(cut).to.be.within(2, 20)
    await sleep(150)
    expect(markers.length, 'no packet after the interrupt').to.equal(cut)
    out.interrupt()
    expect(events, 'a second interrupt while silent says nothing').to.deep.equal([true, false])
    out.play(frames(3))
    await sleep(200)
    expect(events).to.deep.equal([true, false, true, false])
    expect(markers[cut], 'the marker bit starts the new talkspurt').to.equal(true)
    out.stop()
    clock.stop()
  })
})
