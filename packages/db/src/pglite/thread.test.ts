import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isDatabaseUnavailable } from '../errors.js'
import { PGliteThread } from './thread.js'

describe('PGlite on its own thread', () => {
  let pglite: PGliteThread
  beforeAll(async () => {
    pglite = await PGliteThread.start()
  })
  afterAll(async () => {
    await pglite.close()
  })

  it('answers with the values PGlite parses, parameters bound', async () => {
    const { rows, affectedRows } = await pglite.query<Record<string, unknown>>(
      `select $1::timestamptz as at, 2::int8 as n, '\\x0102'::bytea as b,
              '{"a":[1]}'::jsonb as j, $2::text as s, null as z`,
      ['2026-03-29T01:30:00Z', 'ünïcode'],
    )
    expect(affectedRows).toBe(0)
    expect(rows).toEqual([
      {
        at: new Date('2026-03-29T01:30:00Z'),
        n: 2,
        b: new Uint8Array([1, 2]),
        j: { a: [1] },
        s: 'ünïcode',
        z: null,
      },
    ])
  })

  it('keeps an error’s SQLSTATE and message, so callers can tell errors apart', async () => {
    const err = await pglite.query('select 1 / 0').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ code: '22012', message: 'division by zero' })
    expect(isDatabaseUnavailable(err)).toBe(false)
    // …and the session goes on.
    expect((await pglite.query('select 1 as one')).rows).toEqual([{ one: 1 }])
  })

  it('keeps one session: settings and transactions span calls', async () => {
    await pglite.exec(`create temp table t (v int); set application_name = 'thread-test'`)
    await pglite.query('begin')
    await pglite.query('insert into t values (1)')
    await pglite.query('rollback')
    const { rows } = await pglite.query(
      `select (select count(*) from t) as n, current_setting('application_name') as app`,
    )
    expect(rows).toEqual([{ n: 0, app: 'thread-test' }])
  })

  it('delivers NOTIFY to a listener until it stops listening', async () => {
    const got: string[] = []
    const stop = await pglite.listen('thread_test', (payload) => got.push(payload))
    await pglite.query(`select pg_notify('thread_test', 'one')`)
    await expect.poll(() => got).toEqual(['one'])
    await stop()
    await pglite.query(`select pg_notify('thread_test', 'two')`)
    await pglite.query('select 1')
    expect(got).toEqual(['one'])
  })

  it('leaves the event loop free while a long query runs', async () => {
    // In-process, PGlite computes a query without giving the loop a single turn.
    let turns = 0
    let spinning = true
    const spin = () => {
      turns++
      if (spinning) setImmediate(spin)
    }
    setImmediate(spin)
    await pglite.query('select count(*) from generate_series(1, 3000000)')
    spinning = false
    expect(turns).toBeGreaterThan(50)
  })
})

describe('PGlite thread lifecycle', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pglite-thread-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps data in its directory across a close and a new start', async () => {
    const first = await PGliteThread.start(join(dir, 'db'))
    await first.exec('create table kept (v text); insert into kept values ($$here$$)')
    await first.close()
    expect(first.closed).toBe(true)
    const err = await first.query('select 1').catch((e: unknown) => e)
    expect(err).toMatchObject({ message: 'PGlite is closed' })
    // Used after close is a bug of the caller's, not an outage to retry.
    expect(isDatabaseUnavailable(err)).toBe(false)

    const second = await PGliteThread.start(join(dir, 'db'))
    try {
      expect((await second.query('select v from kept')).rows).toEqual([{ v: 'here' }])
    } finally {
      await second.close()
    }
  })

  it('fails to start, with PGlite’s reason, on a data directory it cannot use', async () => {
    const file = join(dir, 'not-a-dir')
    await writeFile(file, 'x')
    await expect(PGliteThread.start(join(file, 'db'))).rejects.toThrow()
  })
})
