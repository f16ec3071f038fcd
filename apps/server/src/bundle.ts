import { build } from 'esbuild'

/**
 * Compiles `entry` and everything it imports (the workspace packages' TypeScript and the
 * libraries alike) into one ES module, so production runs plain JavaScript: under `tsx` the
 * loader's own thread and caches add about 90 MB to the process. Left out: PGlite, which loads
 * its WASM and data files from beside its own module (so it is a dependency of this package,
 * resolved from the bundle's folder), and pg's optional native binding.
 */
export async function bundleServer(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    external: ['@electric-sql/pglite', 'pg-native'],
    // Bundled CommonJS libraries call require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  })
}
