export * from '@leads/contract'
export * from './auth/index.js'
export { MemoryCache, type ReadCache } from './cache/cache.js'
export { CursorGenerationCache } from './cache/cursor.js'
export { RedisCache } from './cache/redis.js'
export {
  type ApiDeps,
  type ApiObserver,
  type Clock,
  type Context,
  createInnerContext,
  type Identity,
  systemClock,
} from './context.js'
export { IngestBusy, IngestGate } from './limits/ingestGate.js'
export {
  type Budget,
  callerKey,
  clientIpOf,
  createRateLimits,
  RateLimited,
  type RateLimitOptions,
  type RateLimits,
} from './limits/rateLimits.js'
export { LimitRefusal } from './limits/refusal.js'
export { type Bus, channelOf, InProcessBus, PostgresBus, RedisBus } from './live/bus.js'
export {
  type ActivityEndpoint,
  type ActivityEndpointOptions,
  type ActivityStreamStats,
  createActivityEndpoint,
  rejectUpgrade,
  type StreamLogger,
} from './live/endpoint.js'
export { FeedHub, REPLAY_LIMIT, SlowConsumerError } from './live/hub.js'
export { SLOW_CONSUMER_CODE, SLOW_CONSUMER_REASON, TOKEN_EXPIRED_CODE } from './live/socket.js'
export { type ActivityEvent, activityStream, expiryOf } from './live/stream.js'
export { sendPerTick } from './live/writes.js'
export { deferContinue, readBody, settleUnreadBody } from './rest/body.js'
export { RETRY_AFTER_UNAVAILABLE_S, toRestError } from './rest/errors.js'
export { createRestHandler, type RestHandler, type RestOptions } from './rest/index.js'
export type { OpenApiDocument } from './rest/openapi.js'
export {
  ACTIVITY_STREAM_PATH,
  DOCS_PATH,
  EVENTS_PATH,
  OPENAPI_PATH,
  READ_ROUTES,
} from './rest/routes.js'
export { type AppRouter, appRouter, createCaller } from './root.js'
