import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { csvField, csvLine, neutralizeFormula } from './csv.js'

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

  it('neutralizes text that a spreadsheet would run as a formula, and nothing else', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(neutralizeFormula(`${start}1+1`)).toBe(`'${start}1+1`)
    expect(neutralizeFormula('Ada')).toBe('Ada')
    expect(neutralizeFormula('a=b')).toBe('a=b')
    expect(neutralizeFormula(-5)).toBe(-5)
    expect(neutralizeFormula(null)).toBe(null)
    expect(csvLine(['=SUM(A1)', -1, 'x'], 'escape')).toBe("'=SUM(A1),-1,x\r\n")
    expect(csvLine(['=SUM(A1)', -1, 'x'])).toBe('=SUM(A1),-1,x\r\n')
    // Still RFC 4180: the prefixed field is quoted when it needs to be.
    expect(csvLine(['=a,b'], 'escape')).toBe(`"'=a,b"\r\n`)
  })
})
