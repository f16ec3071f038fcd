import { bundleServer } from './server.js'

/** Once per run, before any browser test: the server bundle they all start. */
export default async function setup(): Promise<void> {
  await bundleServer()
}
