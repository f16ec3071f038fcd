import { fileURLToPath } from 'node:url'
import { bundleServer } from './bundle.js'

// `pnpm build`: the production server, started by `pnpm start` as `node dist/main.js`. Not
// minified, so stack traces name the functions; `dist/main.js.map` maps them back to the sources
// (`--enable-source-maps` does it live, at about 30 MB more resident memory).
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
await bundleServer(here('./main.ts'), here('../dist/main.js'))
