import type { Migration } from 'kysely'
import * as m0001 from './0001_accounts_and_products'
import * as m0002 from './0002_event_store_and_rooms'
import * as m0003 from './0003_projections'
import * as m0006 from './0006_idempotency_keys'
import * as m0007 from './0007_stream_heads'
import * as m0008 from './0008_users_changed_notify'
import * as m0009 from './0009_room_status_fillfactor'

/** Every migration, by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '0001_accounts_and_products': m0001,
  '0002_event_store_and_rooms': m0002,
  '0003_projections': m0003,
  '0006_idempotency_keys': m0006,
  '0007_stream_heads': m0007,
  '0008_users_changed_notify': m0008,
  '0009_room_status_fillfactor': m0009,
}
