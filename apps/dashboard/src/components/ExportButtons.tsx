import { useState } from 'react'
import { useAccess } from '../lib/access'
import {
  ExportError,
  type ExportFormat,
  type ExportParams,
  type ExportReport,
  exportUrl,
  fetchExport,
  saveFile,
} from '../lib/exports'

interface ExportButtonsProps {
  report: ExportReport
  /** The panel's own read input, so the file holds exactly what the panel shows. */
  params: ExportParams
  /** Names the buttons for assistive technology, e.g. "lead volume". */
  what: string
  formats?: readonly ExportFormat[]
  /** Text of the CSV button; "CSV" unless the report needs saying (e.g. "Events CSV"). */
  csvText?: string
}

/** CSV and JSON downloads of a panel's report through the export endpoint. */
export function ExportButtons({
  report,
  params,
  what,
  formats = ['csv', 'json'],
  csvText = 'CSV',
}: ExportButtonsProps) {
  const access = useAccess()
  const [busy, setBusy] = useState<ExportFormat | null>(null)
  const [error, setError] = useState<string | null>(null)

  const download = async (format: ExportFormat) => {
    setBusy(format)
    setError(null)
    try {
      const file = await fetchExport(exportUrl(report, format, params), access.token)
      saveFile(file.name, file.blob)
    } catch (err) {
      if (err instanceof ExportError) access.onStatus(err.status, err.message)
      setError(`Export failed: ${(err as Error).message}`)
    } finally {
      setBusy(null)
    }
  }

  return (
    <span className="exports" data-export={report}>
      {formats.map((format) => (
        <button
          key={format}
          type="button"
          className="button small"
          aria-label={`Download ${what} as ${format.toUpperCase()}`}
          aria-busy={busy === format}
          disabled={busy !== null}
          onClick={() => void download(format)}
        >
          {format === 'csv' ? csvText : format.toUpperCase()}
        </button>
      ))}
      {error && (
        <span className="export-error" role="alert">
          {error}
        </span>
      )}
    </span>
  )
}
