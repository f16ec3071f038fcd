import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * This database's own random id (one per database and schema, made by a migration). Instances
 * that share it are one deployment; Redis keys and channels carry it so that deployments sharing
 * a Redis never read each other's cache or hear each other's events.
 */
export async function deploymentId(db: Kysely<Database>): Promise<string> {
  const row = await db.selectFrom('deployment').select('id').executeTakeFirstOrThrow()
  return row.id
}
