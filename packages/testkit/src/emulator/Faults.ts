/**
 * Fault injection: a queue of {@link Fault}s, each consumed by the next matching processor request(s).
 *
 * @since 0.1.0
 */
import type { Fault, FaultMatch } from "./Emulator.ts"

/** A fault waiting for matching requests. */
export interface PendingFault {
  readonly fault: Fault
  readonly match: FaultMatch
  /** Matching requests still to be faulted. */
  remaining: number
}

/** Validates a fault; throws a `RangeError` on nonsense (negative delays, non-5xx statuses, unknown tags). */
export const validateFault = (fault: Fault): Fault => {
  switch (fault._tag) {
    case "RateLimit":
      if (!Number.isFinite(fault.retryAfterSeconds) || fault.retryAfterSeconds < 0) {
        throw new RangeError("RateLimit.retryAfterSeconds must be a non-negative number")
      }
      return fault
    case "ServerError":
      if (fault.status !== undefined && (!Number.isInteger(fault.status) || fault.status < 500 || fault.status > 599)) {
        throw new RangeError("ServerError.status must be a 5xx status")
      }
      return fault
    case "Slow":
      if (!Number.isFinite(fault.delayMillis) || fault.delayMillis < 0) {
        throw new RangeError("Slow.delayMillis must be a non-negative number")
      }
      return fault
    case "DropBeforeRecord":
    case "DropAfterRecord":
    case "MalformedBody":
      return fault
    default:
      throw new RangeError(`Unknown fault: ${JSON.stringify(fault)}`)
  }
}

/** Whether a request matches a {@link FaultMatch}. */
export const matches = (match: FaultMatch, method: string, path: string): boolean => {
  if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) return false
  const pattern = match.path
  if (pattern === undefined) return true
  if (typeof pattern === "string") {
    return pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : path === pattern
  }
  pattern.lastIndex = 0
  return pattern.test(path)
}

/** The fault queue. Faults are tried in injection order; the first match is consumed. */
export class FaultInjector {
  private queue: Array<PendingFault> = []

  inject(fault: Fault, match: FaultMatch = {}): void {
    const times = match.times ?? 1
    if (!Number.isInteger(times) || times < 1) throw new RangeError("FaultMatch.times must be a positive integer")
    this.queue.push({ fault: validateFault(fault), match, remaining: times })
  }

  /** Consumes and returns the fault for this request, if any. */
  take(method: string, path: string): Fault | undefined {
    const index = this.queue.findIndex((pending) => matches(pending.match, method, path))
    if (index === -1) return undefined
    const pending = this.queue[index]!
    pending.remaining--
    if (pending.remaining <= 0) this.queue.splice(index, 1)
    return pending.fault
  }

  pending(): ReadonlyArray<PendingFault> {
    return this.queue.map((pending) => ({ ...pending }))
  }

  clear(): void {
    this.queue = []
  }
}
