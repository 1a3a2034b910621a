import type { Projection } from './projection'
import { roomOverviewProjection } from './room-overview.projection'
import { userRoomsProjection } from './user-rooms.projection'

export type { Projection, ProjectedFact } from './projection'

/** Every async projection, by name. */
export const projections: Record<string, Projection> = {
  [roomOverviewProjection.name]: roomOverviewProjection,
  [userRoomsProjection.name]: userRoomsProjection,
}
