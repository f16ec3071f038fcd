// The embedded database on a thread of its own (see thread.ts). PGlite runs each query
// synchronously in WebAssembly; here that blocks this thread, not the server's event loop.
// Plain JavaScript: the worker runs unbundled and without a TypeScript loader, in tests too.
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'

/** An error as data: structured clone would keep only name, message and stack, not `code`. */
function plain(err) {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) }
  return { ...err, name: err.name, message: err.message, stack: err.stack }
}

const port = parentPort
const listeners = new Map()
let db

try {
  db = workerData.dataDir ? new PGlite(workerData.dataDir) : new PGlite()
  await db.waitReady
  port.postMessage({ ready: true })
} catch (err) {
  port.postMessage({ ready: false, error: plain(err) })
  process.exit(1)
}

async function run(msg) {
  switch (msg.op) {
    case 'query':
      return db.query(msg.sql, msg.params, msg.blob ? { blob: msg.blob } : undefined)
    case 'exec':
      return db.exec(msg.sql)
    case 'listen': {
      const stop = await db.listen(msg.channel, (payload) =>
        port.postMessage({ notify: msg.listener, payload }),
      )
      listeners.set(msg.listener, stop)
      return null
    }
    case 'unlisten':
      await listeners.get(msg.listener)?.()
      listeners.delete(msg.listener)
      return null
    case 'close':
      await db.close()
      return null
    default:
      throw new Error(`unknown operation ${msg.op}`)
  }
}

/** Posts a reply; one that cannot be cloned fails its call, not the thread (and every call). */
function reply(id, data) {
  try {
    port.postMessage({ id, ...data })
  } catch (err) {
    port.postMessage({ id, error: { name: 'Error', message: `unsendable reply: ${err.message}` } })
  }
}

port.on('message', (msg) => {
  run(msg).then(
    (result) => reply(msg.id, { result }),
    (err) => reply(msg.id, { error: plain(err) }),
  )
})
