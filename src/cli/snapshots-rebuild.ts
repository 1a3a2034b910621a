/**
 * `npm run snapshots:rebuild`: after a deploy that changed the machine version, replaces the stored
 * snapshots the previous version made (rebuilt from the facts), so point-in-time reads of long
 * rooms are fast again. Safe to run while the service runs. Until then, those snapshots are only
 * skipped: never restored by a machine of another version.
 */
import { runCli, withDatabase } from './cli'
import { rebuildStaleSnapshots } from '../rooms/snapshot-rebuild'
import { MACHINE_VERSION } from '../../machines/interview-room'

async function main(): Promise<number> {
  return withDatabase(async (db) => {
    let rooms = 0
    const replaced = await rebuildStaleSnapshots(db, () => rooms++)
    console.log(`replaced ${replaced} snapshots of ${rooms} rooms with machine v${MACHINE_VERSION} ones`)
    return 0
  })
}

runCli('snapshots:rebuild', main)
