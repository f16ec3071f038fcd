import type { CsvFormulas } from '@leads/contract'

/** A value of one CSV field; arrays become one field, their items joined by `;`. */
export type Cell = string | number | boolean | null | readonly (string | number)[]

/**
 * One field per RFC 4180: quoted when it holds a comma, a double quote, CR or LF, with quotes
 * doubled; null is the empty field.
 */
export function csvField(value: Cell): string {
  if (value === null) return ''
  const text = Array.isArray(value) ? value.join(';') : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** What a spreadsheet runs as a formula when a text cell starts with it (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * A text field a spreadsheet would run as a formula (an agent named `=HYPERLINK(…)` in an
 * ingested event, say), prefixed with `'` so it shows as the text it is. Numbers are the
 * server's own figures and stay numbers.
 */
export function neutralizeFormula(value: Cell): Cell {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value
}

/**
 * One record, CRLF-terminated as RFC 4180 writes it; `formulas: 'escape'` neutralizes text fields
 * that would run as formulas (see {@link neutralizeFormula}).
 */
export function csvLine(values: readonly Cell[], formulas: CsvFormulas = 'keep'): string {
  const cells = formulas === 'escape' ? values.map(neutralizeFormula) : values
  return `${cells.map(csvField).join(',')}\r\n`
}
