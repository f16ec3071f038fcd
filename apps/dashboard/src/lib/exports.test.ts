import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExportError, exportUrl, fetchExport, fileNameOf } from './exports'

describe('exportUrl', () => {
  it("carries the report, the format and the panel's own input; drops what is not set", () => {
    const url = exportUrl('lead-volume', 'csv', {
      tz: 'Asia/Kolkata',
      from: '2026-11-19T00:00:00.000+05:30',
      to: '2026-11-26T00:00:00.000+05:30',
      limit: 20,
      teamId: undefined,
    })
    const parsed = new URL(url, 'http://host')
    expect(parsed.pathname).toBe('/api/analytics/export')
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      report: 'lead-volume',
      format: 'csv',
      tz: 'Asia/Kolkata',
      from: '2026-11-19T00:00:00.000+05:30',
      to: '2026-11-26T00:00:00.000+05:30',
      limit: '20',
    })
  })
})

describe('fileNameOf', () => {
  it('takes the name the server gave, never a path', () => {
    expect(fileNameOf('attachment; filename="funnel-2026-11-25.csv"', 'x.csv')).toBe(
      'funnel-2026-11-25.csv',
    )
    expect(fileNameOf('attachment; filename=events.json', 'x.json')).toBe('events.json')
    expect(fileNameOf('attachment; filename="../../etc/passwd"', 'x')).toBe('.._.._etc_passwd')
    expect(fileNameOf(null, 'heatmap.csv')).toBe('heatmap.csv')
  })
})

describe('fetchExport over HTTP', () => {
  const TOKEN = 'header.payload.signature'
  let base = ''
  let lastRequest: IncomingMessage | undefined
  // A real server in the export endpoint's manner: bearer token in the header, else 401 JSON.
  const server = createServer((req, res) => {
    lastRequest = req
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'token expired' } }))
      return
    }
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8; header=present',
      'content-disposition': 'attachment; filename="heatmap-2026-11-25.csv"',
    })
    res.end('dayOfWeek,hour,count\r\n0,0,3\r\n')
  })

  beforeAll(async () => {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('sends the token as a bearer header and names the file as the server did', async () => {
    const file = await fetchExport(`${base}${exportUrl('heatmap', 'csv', {})}`, TOKEN)
    expect(lastRequest?.url).toBe('/api/analytics/export?report=heatmap&format=csv')
    expect(file.name).toBe('heatmap-2026-11-25.csv')
    expect(await file.blob.text()).toBe('dayOfWeek,hour,count\r\n0,0,3\r\n')
  })

  it('turns a refusal into an ExportError with the status and the API message', async () => {
    const refused = fetchExport(`${base}${exportUrl('heatmap', 'json', {})}`, 'stale')
    await expect(refused).rejects.toBeInstanceOf(ExportError)
    await expect(refused).rejects.toMatchObject({ status: 401, message: 'token expired' })
    await expect(fetchExport(`${base}/api/analytics/export`, null)).rejects.toMatchObject({
      status: 401,
    })
    expect(lastRequest?.headers.authorization).toBeUndefined()
  })
})
