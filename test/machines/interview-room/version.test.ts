import { expect } from 'chai'
import { interviewRoomMachine, MACHINE_FINGERPRINT, MACHINE_VERSION } from '../../../machines/interview-room'
import { machineFingerprint } from '../../../src/visualizer/machine-fingerprint'

describe('the interview-room machine version', () => {
  it('is declared for exactly this definition (a change to the machine needs a new version and fingerprint)', () => {
    const fingerprint = machineFingerprint(interviewRoomMachine)
    expect(
      fingerprint,
      `The machine changed. If it behaves differently, set MACHINE_VERSION to ${MACHINE_VERSION + 1}; then set MACHINE_FINGERPRINT to '${fingerprint}' (machines/interview-room/version.ts).`,
    ).to.equal(MACHINE_FINGERPRINT)
  })

  it('changes with a guard, an action or the initial context, not with whitespace', () => {
    const base = machineFingerprint(interviewRoomMachine)
    const guard = interviewRoomMachine.provide({ guards: { isNewPeer: () => true } })
    const action = interviewRoomMachine.provide({ actions: { keep: () => 1 } })
    expect(machineFingerprint(guard)).to.not.equal(base)
    expect(machineFingerprint(action)).to.not.equal(base)
    expect(machineFingerprint(interviewRoomMachine)).to.equal(base)
  })
})
