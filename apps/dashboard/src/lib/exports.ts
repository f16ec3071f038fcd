/**
 * Downloads of `GET /api/analytics/export`. The endpoint reads the token from the Authorization
 * header only (it takes no `?token=`), so a plain link cannot carry it: the file is fetched,
 * then handed to the browser as a Blob behind a temporary object URL.
 */

export const EXPORT_PATH = '/api/analytics/export'

/** Report names of the export endpoint (EXPORT_REPORTS in @leads/contract). */
export type ExportReport =
  | 'metrics'
  | 'lead-volume'
  | 'funnel'
  | 'heatmap'
  | 'leaderboard'
  | 'events'
export type ExportFormat = 'csv' | 'json'

/** A read's input as the export takes it: the same names, as query parameters (scalars only). */
export type ExportParams = object

export function exportUrl(
  report: ExportReport,
  format: ExportFormat,
  params: ExportParams,
): string {
  const query = new URLSearchParams({ report, format })
  for (const [key, value] of Object.entries(params) as [string, unknown][])
    if (typeof value === 'string' || typeof value === 'number') query.set(key, String(value))
  return `${EXPORT_PATH}?${query}`
}

/** The file name of a `Content-Disposition: attachment; filename="…"` header, else `fallback`. */
export function fileNameOf(disposition: string | null, fallback: string): string {
  const m =
    /filename="([^"]+)"/.exec(disposition ?? '') ?? /filename=([^;\s]+)/.exec(disposition ?? '')
  // Only a plain name: never a path the browser would have to reject.
  const name = m?.[1]?.replace(/[/\\]/g, '_')
  return name || fallback
}

/** The export answered with an error status; `status` 401 means the session is over. */
export class ExportError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** The error message of the API's `{ error: { message } }` body, or the status line. */
async function errorOf(res: Response): Promise<ExportError> {
  let message = `${res.status} ${res.statusText}`
  try {
    const body = (await res.json()) as { error?: { message?: string } }
    if (body.error?.message) message = body.error.message
  } catch {
    // Not JSON: the status line says enough.
  }
  return new ExportError(res.status, message)
}

/** Fetches an export with the token and returns the file (name and contents). */
export async function fetchExport(
  url: string,
  token: string | null,
  fetchFn: typeof fetch = fetch,
): Promise<{ name: string; blob: Blob }> {
  const res = await fetchFn(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  if (!res.ok) throw await errorOf(res)
  const report = new URL(url, 'http://x').searchParams.get('report') ?? 'export'
  const format = new URL(url, 'http://x').searchParams.get('format') ?? 'csv'
  return {
    name: fileNameOf(res.headers.get('content-disposition'), `${report}.${format}`),
    blob: await res.blob(),
  }
}

/** Hands a file to the browser's download machinery. */
export function saveFile(name: string, blob: Blob): void {
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = name
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  // The click has started the download; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}
