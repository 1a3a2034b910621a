import { AppError } from '../http/errors'
import { CommandRefused } from '../../machines/interview-room'

/** Why the bot did not act on a peer's message, told to that peer (in its protocol) and nothing written. */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** A refusal for the peer; anything unexpected becomes `internal_error` (the caller logs it). */
export function toRefusal(err: unknown): Refusal {
  if (err instanceof Refusal) return err
  if (err instanceof CommandRefused) return new Refusal('invalid_state', err.message)
  if (err instanceof AppError) return new Refusal(err.code, err.message)
  return new Refusal('internal_error', 'Something went wrong')
}
