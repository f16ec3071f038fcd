import type { JsonSchema, OpenApiDocument, Operation, Parameter } from './openapi.js'

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

/** Escapes and renders `code` spans, for text inside a list item or table cell. */
const inline = (text: string) => esc(text.trim()).replace(/`([^`]+)`/g, '<code>$1</code>')

/** Escapes, then renders the little markdown the document uses: `code`, headings, paragraphs. */
function markdown(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const html = inline(block)
      const heading = /^## (.*)$/s.exec(html)
      if (heading) {
        const [title = '', ...rest] = heading[1]!.split('\n')
        return `<h2>${title}</h2>${rest.length ? `<p>${rest.join('\n')}</p>` : ''}`
      }
      return `<p>${html}</p>`
    })
    .join('\n')
}

function resolve<T>(doc: OpenApiDocument, value: T | { $ref: string }): T {
  if (value && typeof value === 'object' && '$ref' in value) {
    const [, , kind, name] = value.$ref.split('/')
    const section = doc.components[kind as keyof OpenApiDocument['components']] as Record<
      string,
      unknown
    >
    return section[name!] as T
  }
  return value as T
}

function typeOf(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join(' | ')
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop()!
  const bounds = [
    typeof schema.minimum === 'number' ? `≥ ${schema.minimum}` : '',
    typeof schema.maximum === 'number' ? `≤ ${schema.maximum}` : '',
  ].filter(Boolean)
  const format = typeof schema.format === 'string' ? ` (${schema.format})` : ''
  return `${String(schema.type ?? 'any')}${format}${bounds.length ? ` ${bounds.join(', ')}` : ''}`
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

function curl(
  doc: OpenApiDocument,
  path: string,
  method: string,
  op: Operation,
  params: Parameter[],
): string {
  // A public operation says so with an empty `security`; the rest want the token.
  const auth = op.security?.length === 0 ? '' : ` -H "authorization: Bearer $TOKEN"`
  if (method === 'post') {
    const example = op.requestBody?.content['application/json']?.example
    return `curl -s -X POST "$API${path}"${auth} -H 'content-type: application/json' \\\n  -d ${shellQuote(JSON.stringify(example ?? []))}`
  }
  const query = new URLSearchParams()
  for (const p of params)
    if (p.in === 'query' && p.example !== undefined) query.set(p.name, p.example)
  const qs = query.toString()
  // A stream needs curl's output unbuffered.
  const ok = op.responses['200'] && resolve<{ content?: object }>(doc, op.responses['200'])
  const streams = ok && ok.content !== undefined && 'text/event-stream' in ok.content
  const accept = streams ? ` -H 'accept: text/event-stream'` : ''
  return `curl ${streams ? '-N' : '-s'}${accept}${auth} "$API${path}${qs ? `?${qs}` : ''}"`
}

function operation(doc: OpenApiDocument, path: string, method: string, op: Operation): string {
  const params = (op.parameters ?? []).map((p) => resolve<Parameter>(doc, p))
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td>` +
        `<td>${esc(typeOf(p.schema))}</td><td>${inline(p.description ?? '')}</td></tr>`,
    )
    .join('\n')
  const body = op.requestBody
    ? `<h4>Request body</h4>${markdown(op.requestBody.description)}<p>Schema: <code>${esc(
        typeOf(op.requestBody.content['application/json']?.schema ?? {}),
      )}</code></p>`
    : ''
  const responses = Object.entries(op.responses)
    .map(
      ([status, r]) =>
        `<li><b>${esc(status)}</b> ${inline(resolve<{ description: string }>(doc, r).description)}</li>`,
    )
    .join('\n')
  return `<section id="${esc(op.operationId)}">
<h3><span class="method">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
<p><b>${esc(op.summary)}</b></p>
${markdown(op.description)}
${rows ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>type</th><th>description</th></tr>\n${rows}</table>` : ''}
${body}
<h4>Responses</h4><ul>${responses}</ul>
<h4>Example</h4><pre>${esc(curl(doc, path, method, op, params))}</pre>
</section>`
}

/** Host names only; anything else in a Host header is not echoed into the page. */
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/

/**
 * A self-contained HTML rendering of the document (no scripts, no external assets): every path
 * with its parameters, responses and an example curl command against `host`.
 */
export function renderDocs(doc: OpenApiDocument, host: string | undefined): string {
  const base = `http://${host && SAFE_HOST.test(host) ? host : 'localhost'}`
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  )
  const toc = ops
    .map(
      ({ path, method, op }) =>
        `<li><a href="#${esc(op.operationId)}">${method.toUpperCase()} ${esc(path)}</a> — ${esc(op.summary)}</li>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace;background:#f4f4f4;border-radius:3px}
code{padding:0 .2em}pre{padding:.7em;overflow-x:auto}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
td p{margin:0}section{border-top:1px solid #ccc;margin-top:2rem}.method{color:#fff;background:#365;padding:0 .4em;border-radius:3px}
</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
${markdown(doc.info.description)}
<p>Machine-readable: <a href="/api/openapi.json"><code>/api/openapi.json</code></a> (OpenAPI ${esc(doc.openapi)}).
The examples assume <code>API=${esc(base)}</code> and, where the server wants one, a token in <code>TOKEN</code>.</p>
<h2>Endpoints</h2><ul>${toc}</ul>
${ops.map(({ path, method, op }) => operation(doc, path, method, op)).join('\n')}
</body></html>
`
}
