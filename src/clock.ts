import { randomUUID } from 'node:crypto'

/** The current time, injected so tests control it. */
export type Clock = () => Date
export const systemClock: Clock = () => new Date()

export type IdGenerator = () => string
export const uuid: IdGenerator = () => randomUUID()
