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

/** `on conflict (key) do update`, setting every other column to the incoming row's value. */
export function replaceOnConflict<T extends keyof Database>(
  key: keyof Database[T] & string,
  columns: readonly Column<T>[],
): RawBuilder<unknown> {
  const set = columns
    .filter(([name]) => name !== key)
    .map(([name]) => sql`${sql.ref(name)} = ${sql.ref(`excluded.${name}`)}`)
  return sql`on conflict (${sql.ref(key)}) do update set ${sql.join(set)}`
}

/** Instants travel as ISO text: both drivers then agree on the array literal. */
export const iso = (at: Date | null): string | null => at?.toISOString() ?? null
