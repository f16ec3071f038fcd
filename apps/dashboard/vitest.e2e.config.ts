import { defineConfig } from 'vitest/config'

/**
 * Browser tests (`e2e/`): each file starts the production server and Chromium, so files run one
 * at a time and hooks get time for both to start.
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    globalSetup: ['e2e/bundle.setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 90_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
})
