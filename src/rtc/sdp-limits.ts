/** Media sections (m-lines) an offer may hold: the bot needs one audio and one data channel; browsers add a few. */
export const MAX_OFFER_MEDIA = 16
/** ICE candidates written in an offer, over all its media sections. */
export const MAX_OFFER_CANDIDATES = 64

/**
 * How many media sections and candidates an SDP holds. Counted before the SDP is parsed: the
 * parser's work (and the answer's size) grows with the m-lines, so an oversized offer must cost
 * nothing but this scan.
 */
export function countSdp(sdp: string): { media: number; candidates: number } {
  let media = 0
  let candidates = 0
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) media++
    else if (line.startsWith('a=candidate:')) candidates++
  }
  return { media, candidates }
}
