export * from './analytics.js'
export * from './events.js'
export * from './live.js'
export * from './time.js'
