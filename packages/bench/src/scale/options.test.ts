import { describe, expect, it } from 'vitest'
import { parseOptions } from './options.js'

const PG = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres' }

describe('scale bench options', () => {
  it('defaults to a million events on the Postgres of DATABASE_URL', () => {
    const r = parseOptions([], PG)
    expect(r).toMatchObject({
      ok: true,
      options: { events: 1_000_000, pglite: false, instances: 1, databaseUrl: PG.DATABASE_URL },
    })
  })

  it('takes the flags pnpm passes after --', () => {
    const r = parseOptions(['--', '--events', '100000', '--pglite', '--duration', '2.5'], PG)
    expect(r).toMatchObject({ ok: true, options: { events: 100_000, pglite: true, duration: 2.5 } })
    // --pglite wins over DATABASE_URL: the run must not touch that server.
    expect(r.ok && r.options.databaseUrl).toBeUndefined()
  })

  it('needs a database, and Postgres for two instances', () => {
    expect(parseOptions([], {})).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/DATABASE_URL/)],
    })
    expect(parseOptions(['--pglite', '--instances', '2'], {})).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^instances: .*Postgres/)],
    })
  })

  it('names bad values and unknown flags instead of guessing', () => {
    expect(parseOptions(['--events', 'lots'], PG)).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^events:/)],
    })
    expect(parseOptions(['--event', '5'], PG)).toMatchObject({ ok: false, help: false })
    expect(parseOptions(['-h'], PG)).toEqual({ ok: false, help: true })
  })
})
