import { RateLimitedError } from '../http/errors'

interface PeerLike {
  userId: string
  session: { isConnected: boolean }
}

/**
 * One user's offers that never connect must not take every peer slot: refuses (429) a new peer
 * for a user who already has `cap` peers waiting to connect. A waiting peer is connected or closed
 * within `connectTimeoutMs` of its offer, hence the Retry-After.
 */
export function refuseBeyondPendingCap(peers: Iterable<PeerLike>, userId: string, cap: number, connectTimeoutMs: number): void {
  let pending = 0
  for (const peer of peers) if (peer.userId === userId && !peer.session.isConnected) pending++
  if (pending >= cap) throw new RateLimitedError(Math.ceil(connectTimeoutMs / 1000), `At most ${cap} peer connections may wait to connect at once; connect or close one first`)
}
