/**
 * Webhook retry schedules: when a processor tries an unacknowledged delivery again. Each processor
 * definition carries its own (with the source of the numbers next to it); the delivery engine asks
 * {@link nextRetryAt} after every failed attempt. Times are emulator milliseconds, so a compressed real clock
 * or a manual clock plays a three-day schedule in seconds.
 *
 * @since 0.1.0
 */

const second = 1_000
const minute = 60 * second
const hour = 60 * minute
const day = 24 * hour

/** Units, for writing schedules readably. */
export const millis = { second, minute, hour, day } as const

/** When to retry an unacknowledged delivery. */
export interface RetrySchedule {
  /** Delay before retry 1, 2, … counted from the previous attempt. */
  readonly delays: ReadonlyArray<number>
  /** After the listed delays, keep retrying this often (until `giveUpAfterMillis`). Default: stop after the list. */
  readonly thenEvery?: number
  /** No retry later than this after the event happened. Default: no limit (the list ends it). */
  readonly giveUpAfterMillis?: number
}

/** No retries at all. */
export const none: RetrySchedule = { delays: [] }

/** Validates a schedule (delays must be positive: a zero delay would retry in a tight loop). */
export const check = (schedule: RetrySchedule): RetrySchedule => {
  for (const delay of schedule.delays) {
    if (!(delay > 0) || !Number.isFinite(delay)) throw new RangeError(`retry delays must be positive, got ${delay}`)
  }
  if (schedule.thenEvery !== undefined && !(schedule.thenEvery > 0)) throw new RangeError("thenEvery must be positive")
  if (schedule.giveUpAfterMillis !== undefined && !(schedule.giveUpAfterMillis >= 0)) {
    throw new RangeError("giveUpAfterMillis must be non-negative")
  }
  return schedule
}

/**
 * When the next retry is due after `retriesSoFar` retries (0 after the first attempt), the last attempt at
 * `lastAttemptAt`, for an event that happened at `createdAt`; undefined when the processor gives up.
 */
export const nextRetryAt = (
  schedule: RetrySchedule,
  retriesSoFar: number,
  lastAttemptAt: number,
  createdAt: number
): number | undefined => {
  const delay = schedule.delays[retriesSoFar] ?? schedule.thenEvery
  if (delay === undefined) return undefined
  const at = lastAttemptAt + delay
  if (schedule.giveUpAfterMillis !== undefined && at > createdAt + schedule.giveUpAfterMillis) return undefined
  return at
}

/**
 * Exponential backoff (`first`, ×`factor`, capped at `max`) for as long as the retries stay within
 * `within` of the event; for processors that document "exponential backoff for N days" but not the steps.
 */
export const exponential = (options: {
  readonly firstMillis: number
  readonly factor: number
  readonly maxMillis: number
  readonly withinMillis: number
}): RetrySchedule => {
  const delays: Array<number> = []
  let delay = options.firstMillis
  let elapsed = 0
  while (elapsed + delay <= options.withinMillis) {
    delays.push(delay)
    elapsed += delay
    delay = Math.min(delay * options.factor, options.maxMillis)
  }
  return check({ delays, giveUpAfterMillis: options.withinMillis })
}

/** Every retry time of a schedule for an event at 0 that is never acknowledged (for docs and tests). */
export const timeline = (schedule: RetrySchedule, limit = 1_000): ReadonlyArray<number> => {
  const times: Array<number> = []
  let last = 0
  for (let retries = 0; retries < limit; retries++) {
    const at = nextRetryAt(schedule, retries, last, 0)
    if (at === undefined) break
    times.push(at)
    last = at
  }
  return times
}
