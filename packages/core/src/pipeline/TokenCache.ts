/**
 * Access-token cache for OAuth-style connectors (PayPal).
 *
 * One token per binding, shared by every concurrent call: N refunds started together cause one
 * token request (single flight), the token is reused until shortly before it expires, and a 401
 * invalidates it so the next attempt fetches a fresh one.
 */
import { Clock, Effect, Redacted, Semaphore } from "effect"

/** Refresh this long before the processor's expiry, so a token never expires mid-request. */
export const refreshMarginMillis = 60_000

interface Entry {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
}

export interface TokenCache {
  /** A valid token: the cached one, or one fetched with `fetch` (only one fetch at a time). */
  readonly get: <E, R>(
    fetch: Effect.Effect<{ readonly token: Redacted.Redacted<string>; readonly expiresInSeconds: number }, E, R>
  ) => Effect.Effect<Redacted.Redacted<string>, E, R>
  /** Drops `token` if it is still the cached one (after a 401). */
  readonly invalidate: (token: Redacted.Redacted<string>) => Effect.Effect<void>
}

export const make: Effect.Effect<TokenCache> = Effect.gen(function*() {
  const lock = yield* Semaphore.make(1)
  let entry: Entry | undefined
  const valid = (now: number) => entry !== undefined && now < entry.expiresAt
  return {
    get: (fetch) =>
      Effect.gen(function*() {
        if (valid(yield* Clock.currentTimeMillis)) return entry!.token
        return yield* lock.withPermits(1)(Effect.gen(function*() {
          // Another fiber may have refreshed it while this one waited for the lock.
          if (valid(yield* Clock.currentTimeMillis)) return entry!.token
          const fresh = yield* fetch
          const now = yield* Clock.currentTimeMillis
          const lifetime = Math.max(0, fresh.expiresInSeconds * 1000 - refreshMarginMillis)
          entry = { token: fresh.token, expiresAt: now + Math.max(lifetime, Math.min(fresh.expiresInSeconds * 500, 30_000)) }
          return fresh.token
        }))
      }),
    invalidate: (token) =>
      Effect.sync(() => {
        if (entry !== undefined && Redacted.value(entry.token) === Redacted.value(token)) entry = undefined
      })
  }
})
