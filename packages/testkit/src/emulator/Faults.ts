/**
 * Fault injection: a queue of {@link Fault}s, each consumed by the next matching processor request(s), and
 * seeded random campaigns that fault a fraction of matching requests reproducibly.
 *
 * @since 0.1.0
 */
import type { Fault, FaultMatch, RandomFaults } from "./Emulator.ts"
import type { Seed } from "./Random.ts"
import { below, chance, checkRate, freshSeed } from "./Random.ts"

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
    case "StallMidBody":
      if (fault.sentBytes !== undefined && (!Number.isInteger(fault.sentBytes) || fault.sentBytes < 0)) {
        throw new RangeError("StallMidBody.sentBytes must be a non-negative integer")
      }
      if (fault.resumeAfterMillis !== undefined && (Number.isNaN(fault.resumeAfterMillis) || fault.resumeAfterMillis < 0)) {
        throw new RangeError("StallMidBody.resumeAfterMillis must be a non-negative number")
      }
      return fault
    case "DropBeforeRecord":
    case "DropAfterRecord":
    case "MalformedBody":
    case "ResetAfterHeaders":
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

/** A running campaign: the n-th matching request's fate is a hash of (seed, n), so a run replays from its seed. */
interface Campaign {
  readonly seed: Seed
  readonly rate: number
  readonly kinds: ReadonlyArray<Fault>
  readonly match: FaultMatch
  readonly maxFaults: number
  /** Matching requests seen so far. */
  seen: number
  faulted: number
}

/** Validates a campaign and fills in its seed. */
export const validateCampaign = (campaign: RandomFaults): RandomFaults & { readonly seed: Seed } => {
  checkRate("rate", campaign.rate)
  if (!Array.isArray(campaign.kinds) || campaign.kinds.length === 0) throw new RangeError("kinds must list at least one fault")
  campaign.kinds.forEach(validateFault)
  if (campaign.maxFaults !== undefined && !(Number.isInteger(campaign.maxFaults) && campaign.maxFaults >= 0)) {
    throw new RangeError("maxFaults must be a non-negative integer")
  }
  return { ...campaign, seed: campaign.seed ?? freshSeed() }
}

/**
 * The fault queue plus campaigns. Queued faults are tried first, in injection order (the first match is
 * consumed); then campaigns, in injection order.
 */
export class FaultInjector {
  private queue: Array<PendingFault> = []
  private campaigns: Array<Campaign> = []

  inject(fault: Fault, match: FaultMatch = {}): void {
    const times = match.times ?? 1
    if (!Number.isInteger(times) || times < 1) throw new RangeError("FaultMatch.times must be a positive integer")
    this.queue.push({ fault: validateFault(fault), match, remaining: times })
  }

  /** Starts a seeded campaign; returns the seed it runs with. */
  injectRandom(input: RandomFaults): Seed {
    const campaign = validateCampaign(input)
    this.campaigns.push({
      seed: campaign.seed,
      rate: campaign.rate,
      kinds: campaign.kinds,
      match: campaign.match ?? {},
      maxFaults: campaign.maxFaults ?? Number.POSITIVE_INFINITY,
      seen: 0,
      faulted: 0
    })
    return campaign.seed
  }

  /** Consumes and returns the fault for this request, if any. */
  take(method: string, path: string): Fault | undefined {
    const index = this.queue.findIndex((pending) => matches(pending.match, method, path))
    if (index !== -1) {
      const pending = this.queue[index]!
      pending.remaining--
      if (pending.remaining <= 0) this.queue.splice(index, 1)
      return pending.fault
    }
    for (const campaign of this.campaigns) {
      if (!matches(campaign.match, method, path)) continue
      const n = campaign.seen++
      if (campaign.faulted >= campaign.maxFaults || !chance(campaign.rate, campaign.seed, "fault", n)) continue
      campaign.faulted++
      return campaign.kinds[below(campaign.kinds.length, campaign.seed, "kind", n)]!
    }
    return undefined
  }

  pending(): ReadonlyArray<PendingFault> {
    return this.queue.map((pending) => ({ ...pending }))
  }

  /** The campaigns since the last clear, with how many requests each has faulted. */
  campaignStats(): ReadonlyArray<{ readonly seed: Seed; readonly rate: number; readonly faulted: number }> {
    return this.campaigns.map((c) => ({ seed: c.seed, rate: c.rate, faulted: c.faulted }))
  }

  clear(): void {
    this.queue = []
    this.campaigns = []
  }
}
