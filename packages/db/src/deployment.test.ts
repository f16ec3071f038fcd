import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbClient } from './client.js'
import { deploymentId } from './deployment.js'
import { migrateDownAll, migrateToLatest } from './migrate.js'
import { testDatabases } from './testing.js'

describe.each(testDatabases())('deploymentId on $kind', ({ open }) => {
  let a: DbClient
  let b: DbClient
  beforeAll(async () => {
    a = await open()
    b = await open()
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
  })

  it('is one random id per database, the same on every read, another after a fresh start', async () => {
    const id = await deploymentId(a.db)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(await deploymentId(a.db)).toBe(id)
    expect(await deploymentId(b.db)).not.toBe(id)
    // Migrating again keeps it; only a database made anew gets another.
    await migrateToLatest(a.db)
    expect(await deploymentId(a.db)).toBe(id)
    await migrateDownAll(a.db)
    await migrateToLatest(a.db)
    expect(await deploymentId(a.db)).not.toBe(id)
  })
})
