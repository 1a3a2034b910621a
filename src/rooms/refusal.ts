import { ConflictError } from '../http/errors'
import { publicCommands, type CommandRefused } from '../../machines/interview-room'

/** The 409 a refused command answers: the state and the commands a user may send in it. */
export function refusalError(refused: CommandRefused): ConflictError {
  return new ConflictError(refused.message, { state: refused.state, allowed_commands: publicCommands(refused.allowed) }, 'invalid_state')
}
