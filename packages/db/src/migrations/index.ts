import type { Migration } from 'kysely'
import * as init from './2026-11-25T0900_init.js'
import * as leadFirstEvent from './2026-11-25T1400_lead_first_event.js'
import * as hourGrain from './2026-11-25T1600_hour_grain.js'
import * as deployment from './2026-12-03T1200_deployment.js'

/** Every migration, keyed by its sortable name. Listed statically so bundling never loses one. */
export const migrations: Record<string, Migration> = {
  '2026-11-25T0900_init': init,
  '2026-11-25T1400_lead_first_event': leadFirstEvent,
  '2026-11-25T1600_hour_grain': hourGrain,
  '2026-12-03T1200_deployment': deployment,
}
