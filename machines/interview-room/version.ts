/**
 * The version of the interview-room machine. Snapshots record it and are restored only by the
 * same version; any other is rebuilt from the facts. Bump it with every change to what the
 * machine does (states, transitions, guards, actions, context), then record the new
 * fingerprint: test/machines/interview-room/version.test.ts fails until both agree, so the
 * definition cannot drift from its version silently.
 */
export const MACHINE_VERSION = 2

/** The fingerprint of the definition MACHINE_VERSION names, as the test computes it (src/visualizer/machine-fingerprint.ts under tsx). */
export const MACHINE_FINGERPRINT = '1d10a11047104597'
