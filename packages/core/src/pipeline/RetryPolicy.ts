/**
 * When and how long to wait before another attempt.
 */


export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly maxAttempts: number
  readonly baseDelayMillis: number
  readonly maxDelayMillis: number
}

export interface Timeouts {
  /** Per HTTP attempt, connection to last body byte. */
  readonly attemptMillis: number
  /** For the whole operation, every retry and wait included. */
  readonly totalMillis: number
}

export const defaultRetry: RetryPolicy = { maxAttempts: 4, baseDelayMillis: 250, maxDelayMillis: 8_000 }
export const defaultTimeouts: Timeouts = { attemptMillis: 15_000, totalMillis: 45_000 }

/**
 * Exponential backoff with "equal jitter": half the exponential delay is fixed, half random, so
 * clients that failed together do not retry together. `random` is in [0, 1).
 */
export const backoffMillis = (attempt: number, policy: RetryPolicy, random: number): number => {
  const exp = Math.min(policy.maxDelayMillis, policy.baseDelayMillis * 2 ** Math.max(0, attempt - 1))
  return Math.round(exp / 2 + (exp / 2) * random)
}

/** Parses Retry-After: delay-seconds or an HTTP date. Undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMillis)
}

