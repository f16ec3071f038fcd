import { defineConfig } from 'vitest/config'

/** Shared vitest settings: node environment, files beside the code, generous timeouts for DB tests. */
export const baseConfig = defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: one worker per core keeps PGlite instances from starving each other.
    maxWorkers: 2,
    // In CI every test is listed by name, so the log shows each database test ran on both
    // PGlite and Postgres ("… on pglite", "… on postgres").
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
})
