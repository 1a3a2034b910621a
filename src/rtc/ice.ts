import { useOPUS, useVP8, type PeerConfig } from 'werift'
import type { Config } from '../../config'

/** The bot's side of every peer connection: Opus only for audio (so the answer picks it), no STUN unless configured. */
export function peerConfig(config: Pick<Config, 'ICE_SERVERS' | 'ICE_HOST_ADDRESSES'>): Partial<PeerConfig> {
  const hosts = config.ICE_HOST_ADDRESSES
  return {
    iceServers: config.ICE_SERVERS,
    // Video is accepted (and ignored) so an offer with a camera still negotiates.
    codecs: { audio: [useOPUS()], video: [useVP8()] },
    bundlePolicy: 'max-bundle',
    ...(hosts.length > 0
      ? {
          iceUseIpv4: false,
          iceUseIpv6: false,
          iceAdditionalHostAddresses: hosts,
        }
      : {}),
  }
}
