import { analyticsRouter } from './router/analytics.js'
import { eventsRouter } from './router/events.js'
import { createCallerFactory, router } from './trpc.js'

export const appRouter = router({
  analytics: analyticsRouter,
  events: eventsRouter,
})

export type AppRouter = typeof appRouter
export const createCaller = createCallerFactory(appRouter)
