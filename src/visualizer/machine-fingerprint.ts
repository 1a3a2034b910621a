import { createHash } from 'node:crypto'
import type { AnyStateMachine } from 'xstate'
import { describeMachine } from './machine-definition'

/**
 * The source of an implementation: a function's text with what is attached to it (xstate's
 * `assign` keeps the assignment there), objects by their entries. Whitespace is not behaviour.
 */
function source(value: unknown): string {
  if (typeof value === 'function') {
    const attached = Object.entries(value).filter(([key]) => key !== 'resolve')
    return [value.toString(), ...attached.map(([key, v]) => `${key}=${source(v)}`)].join(' ').replace(/\s+/g, ' ')
  }
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([key, v]) => `${key}:${source(v)}`).join(',')}}`
  return JSON.stringify(value) ?? 'undefined'
}

/**
 * A fingerprint of what a machine does: its structure (states, transitions, guards, actions,
 * tags), the source of each guard and action, and its initial context. A machine version is
 * declared beside the machine; a test compares this with the fingerprint recorded there, so a
 * change to the definition without a new version (or a new recorded fingerprint) fails.
 * Helpers that guards and actions call are not covered: the declared version is the promise.
 */
export function machineFingerprint(machine: AnyStateMachine): string {
  const { guards, actions } = machine.implementations
  const parts = {
    definition: describeMachine(machine),
    guards: Object.entries(guards).map(([name, fn]) => [name, source(fn)]),
    actions: Object.entries(actions).map(([name, fn]) => [name, source(fn)]),
    context: source(machine.config.context),
  }
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16)
}
