/**
 * Tracking settings shared by the workflow (runners) and the tracker (anything that starts or
 * signals workflows), and the in-process notifier the workflow tells about Stuck flags.
 *
 * The timing options are the core `RefundTracker.Options`, with the same meaning and defaults, so a
 * deployment moving from the in-process tracker to the cluster keeps its settings.
 */
import { Context, Duration, Effect } from "effect"
import type { RefundStatus, RefundTracker } from "@refract/core"

export interface Options extends RefundTracker.Options {
  /** PostgreSQL schema of the refund store, where the tracking table lives too. Default "public". */
  readonly schema?: string | undefined
  /**
   * Share of a connector's declared rate limit that one runner's polls may use (each runner has its
   * own token bucket). Default 0.5: polls leave room for creates and for other runners. With N
   * runners, N × share × the limit is the most the processor sees from polls.
   */
  readonly pollRateShare?: number | undefined
}

export interface Settings {
  readonly schema: string
  readonly initialDelayMillis: number
  readonly maxDelayMillis: number
  readonly factor: number
  readonly jitter: boolean
  readonly stuckAfterMillis: number
  readonly recheckEveryMillis: number
  readonly reversalWindowMillis: number
  readonly reversalPollEveryMillis: number
  readonly pollRateShare: number
}

const millis = (input: Duration.Input | undefined, fallback: Duration.Input): number =>
  Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))

/** Resolves the options (defaults as in the core tracker). Throws on values that cannot work. */
export const resolve = (options: Options = {}): Settings => {
  const maxDelayMillis = millis(options.maxDelay, "5 minutes")
  const settings: Settings = {
    schema: options.schema ?? "public",
    initialDelayMillis: millis(options.initialDelay, "2 seconds"),
    maxDelayMillis,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? true,
    stuckAfterMillis: millis(options.stuckAfter, "24 hours"),
    recheckEveryMillis: millis(options.recheckEvery, maxDelayMillis),
    reversalWindowMillis: millis(options.reversalWindow, "30 days"),
    reversalPollEveryMillis: millis(options.reversalPollEvery, "6 hours"),
    pollRateShare: options.pollRateShare ?? 0.5
  }
  if (!(settings.factor >= 1)) throw new RangeError(`factor must be at least 1, got ${settings.factor}`)
  if (!(settings.pollRateShare > 0 && settings.pollRateShare <= 1)) {
    throw new RangeError(`pollRateShare must be in (0, 1], got ${settings.pollRateShare}`)
  }
  if (!(settings.initialDelayMillis > 0) || !(settings.recheckEveryMillis > 0) || !(settings.reversalPollEveryMillis > 0)) {
    throw new RangeError("initialDelay, recheckEvery and reversalPollEvery must be positive")
  }
  return settings
}

export interface StuckFlag {
  readonly connector: string
  readonly connectorRefundId: string
  readonly status: RefundStatus.RefundStatus | null
  readonly pendingForMillis: number
  readonly deadline: number
  readonly webhookOnly: boolean
}

/** Where the workflow reports a Stuck flag it has just persisted (the tracker's change stream on this runner). */
export class Notifier extends Context.Service<Notifier, {
  readonly stuck: (flag: StuckFlag) => Effect.Effect<void>
}>()("@refract/cluster/Notifier") {}

/** A notifier that only logs (the flag itself is in the tracking table either way). */
export const logOnly: Notifier["Service"] = {
  stuck: (flag) => Effect.logWarning("refract cluster: refund stuck", { ...flag })
}
