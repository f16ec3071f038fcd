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

/** One record, CRLF-terminated as RFC 4180 writes it. */
export function csvLine(values: readonly Cell[]): string {
  return `${values.map(csvField).join(',')}\r\n`
}
