import { type RawBuilder, sql } from 'kysely'
import type { Database } from '../schema.js'

/** One column of a column-array insert: its name, Postgres element type and a value per row. */
export type Column<T extends keyof Database> = readonly [
  name: keyof Database[T] & string,
  type: string,
  values: readonly unknown[],
]

/**
 * `insert into table (…) select * from unnest($1::type[], …)`: one array parameter per column.
 * Building and parsing a VALUES list of a thousand rows costs more than the insert itself, and
 * its parameter count grows with the rows; this statement has one parameter per column.
 */
export function insertColumns<T extends keyof Database>(
  table: T,
  columns: readonly Column<T>[],
): RawBuilder<unknown> {
  const names = sql.join(columns.map(([name]) => sql.ref(name)))
  const arrays = sql.join(columns.map(([, type, values]) => sql`${values}::${sql.raw(type)}[]`))
  return sql`insert into ${sql.table(table)} (${names}) select * from unnest(${arrays})`
}

/**
 * {@link insertColumns} as an upsert: a row whose `key` is taken replaces it, every other column
 * set to the incoming row's value.
 */
export function upsertColumns<T extends keyof Database>(
  table: T,
  key: (keyof Database[T] & string) | readonly (keyof Database[T] & string)[],
  columns: readonly Column<T>[],
): RawBuilder<unknown> {
  const keys: readonly string[] = typeof key === 'string' ? [key] : key
  const set = columns
    .filter(([name]) => !keys.includes(name))
    .map(([name]) => sql`${sql.ref(name)} = ${sql.ref(`excluded.${name}`)}`)
  return sql`${insertColumns(table, columns)}
    on conflict (${sql.join(keys.map((k) => sql.ref(k)))}) do update set ${sql.join(set)}`
}

/**
 * Independent writes sent as one statement, each in a `with` clause: one round trip instead of
 * one each (a small batch's ingest was about 18 of them). They all see the snapshot the
 * statement starts with, so none may read what another writes, and no row may be written by
 * two of them. `last` is the statement's own query: a side effect such as `pg_notify` goes
 * there, since a `with` clause that only reads is skipped unless something refers to it.
 */
export function together(
  writes: readonly RawBuilder<unknown>[],
  last: RawBuilder<unknown> = sql`select 1`,
): RawBuilder<unknown> {
  const clauses = writes.map((w, i) => sql`${sql.id(`w${i}`)} as (${w})`)
  return sql`with ${sql.join(clauses)} ${last}`
}

/** Instants travel as ISO text: both drivers then agree on the array literal. */
export const iso = (at: Date | null): string | null => at?.toISOString() ?? null
