export * from '@leads/contract'
export { MemoryCache, type ReadCache } from './cache/cache.js'
export { RedisCache } from './cache/redis.js'
export {
  type ApiDeps,
  type Clock,
  type Context,
  createInnerContext,
  type Identity,
  systemClock,
} from './context.js'
export { type Bus, InProcessBus, PostgresBus, RedisBus } from './live/bus.js'
export { FeedHub } from './live/hub.js'
export { createRestHandler, type RestHandler, type RestOptions } from './rest/index.js'
export { type AppRouter, appRouter, createCaller } from './root.js'
