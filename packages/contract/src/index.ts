export * from './analytics.js'
export * from './events.js'
export * from './time.js'
export * from './live.js'
