/**
 * A token bucket per connector binding, so pollers stay under a processor's documented rate.
 * Time comes from Effect's Clock, so tests drive it with TestClock.
 */
import { Clock, Effect, Semaphore } from "effect"

export interface RateLimiter {
  /** Waits until one request may be sent. */
  readonly acquire: Effect.Effect<void>
}

export const unlimited: RateLimiter = { acquire: Effect.void }

export const make = (requestsPerSecond: number, burst = Math.max(1, Math.ceil(requestsPerSecond))): Effect.Effect<RateLimiter> =>
  Effect.gen(function*() {
    if (!(requestsPerSecond > 0)) return unlimited
    const lock = yield* Semaphore.make(1)
    const intervalMillis = 1000 / requestsPerSecond
    let tokens = burst
    let last = yield* Clock.currentTimeMillis
    const acquire = lock.withPermits(1)(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      tokens = Math.min(burst, tokens + (now - last) / intervalMillis)
      last = now
      if (tokens < 1) {
        const wait = Math.ceil((1 - tokens) * intervalMillis)
        yield* Effect.sleep(wait)
        tokens = 1
        last = yield* Clock.currentTimeMillis
      }
      tokens -= 1
    }))
    return { acquire }
  })
