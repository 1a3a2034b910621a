import OpusScript from 'opusscript'

export type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000

/** The largest Opus packet the decoder's buffer holds (three 1,275-byte frames, RFC 6716). */
const MAX_PACKET_BYTES = 3828

/**
 * Decodes one peer's Opus RTP payloads to mono 16-bit PCM. Opus decodes straight to any of its
 * rates, so a listener that needs 16 kHz asks for it here instead of resampling 48 kHz.
 * A payload that cannot be decoded yields no samples and is counted, never thrown.
 */
export class OpusDecoder {
  private decoder: OpusScript | null
  /** Payloads that were empty, too large or refused by the decoder. */
  failures = 0

  constructor(readonly sampleRate: OpusRate = 48_000) {
    this.decoder = new OpusScript(sampleRate, 1, OpusScript.Application.VOIP)
  }

  decode(payload: Uint8Array): Int16Array {
    // An empty payload would make the decoder conceal 60 ms; gaps are the caller's to fill.
    if (!this.decoder || payload.length === 0 || payload.length > MAX_PACKET_BYTES) return this.fail()
    let bytes: Buffer
    try {
      bytes = this.decoder.decode(Buffer.isBuffer(payload) ? payload : Buffer.from(payload))
    } catch {
      return this.fail()
    }
    // The decoder's Buffer may sit at an odd offset of a shared pool: copy (aligned), never view.
    return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1)))
  }

  /** Frees the decoder's memory; later payloads decode to nothing. */
  close(): void {
    this.decoder?.delete()
    this.decoder = null
  }

  private fail(): Int16Array {
    this.failures++
    return new Int16Array(0)
  }
}
