import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleServer } from './bundle.js'

// `pnpm build`: the production server, started by `pnpm start` as `node dist/main.js`. Not
// minified, so stack traces name the functions; `dist/main.js.map` maps them back to the sources
// (`--enable-source-maps` does it live, at about 30 MB more resident memory). An argument names
// another output file: the browser tests bundle to their own, so a `pnpm build` cannot swap it.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const outfile = process.argv[2] ? resolve(process.argv[2]) : here('../dist/main.js')
await bundleServer(here('./main.ts'), outfile)
