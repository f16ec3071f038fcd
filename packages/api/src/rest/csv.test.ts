import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { csvField, csvLine } from './csv.js'

describe('RFC 4180 CSV', () => {
  it('quotes exactly the fields that need it', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('cr\rhere')).toBe('"cr\rhere"')
    expect(csvField(null)).toBe('')
    expect(csvField(0.5)).toBe('0.5')
    expect(csvField([1, 0, 3])).toBe('1;0;3')
    expect(csvLine(['a', 'b,c', null])).toBe('a,"b,c",\r\n')
  })

  it('round-trips any text through a real CSV parser', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { minLength: 2, maxLength: 6 }),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        (table) => {
          const width = table[0]!.length
          const rows = table.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ''))
          const text = rows.map((r) => csvLine(r)).join('')
          expect(parse(text, { relax_column_count: false })).toEqual(rows)
        },
      ),
      { numRuns: 300 },
    )
  })
})
