export * from '@leads/contract'
export { type ApiDeps, type Clock, type Context, createInnerContext, type Identity, systemClock } from './context.js'
export { type AppRouter, appRouter, createCaller } from './root.js'
export { createRestHandler, type RestHandler, type RestOptions } from './rest/index.js'
