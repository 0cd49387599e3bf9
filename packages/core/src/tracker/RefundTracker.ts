/**
 * `RefundTracker`: follows every refund that is still pending until the processor settles it.
 *
 * - The store is the source of truth. The tracker follows every unsettled refund in the
 *   `RefundStore`: on start it resumes all of them (so after a restart with the PostgreSQL store,
 *   pending refunds are picked up again), and it picks up new ones as they are recorded (created
 *   through Refract, or first seen in a webhook).
 * - Connectors that can read a refund's status (`capabilities.get`) are polled with exponential
 *   backoff, within the connector's declared `rateLimit` (one token bucket per connector shared by
 *   all refunds). Each poll result is applied through the store like any other observation.
 * - Before every poll the tracker re-reads the store, and it listens to the store's changes: as soon
 *   as a webhook settles a refund, its polling stops.
 * - Webhook-only connectors (Adyen: no status endpoint) are not polled: the tracker waits for the
 *   event and flags a refund `Stuck` once it is still pending past the deadline (`stuckAfter`
 *   after its creation). Polled refunds pending that long are flagged too.
 * - A succeeded refund can still fail or be reversed. For connectors that report reversals and can
 *   be polled, the tracker keeps watching a Succeeded refund at a low rate (`reversalPollEvery`)
 *   through the reversal window (`reversalWindow` after it succeeded), so a reversal whose webhook
 *   was lost is still found. After a restart it resumes those watches too.
 * - `changes` is a Stream of `StatusChange`s (every committed status change, from webhooks, polls
 *   and creates, plus `Stuck` flags) for notifying customers or posting to a ledger.
 */
import { Clock, Context, Data, Duration, Effect, FiberMap, Layer, Metric, Option, PubSub, Random, Result, Stream } from "effect"
import type { Scope } from "effect"
import type { HttpClient } from "effect/http"
import type { BoundConnector } from "../connector/BoundConnector.ts"
import type { RefundError } from "../error/RefundError.ts"
import * as Executor from "../pipeline/Executor.ts"
import * as RateLimiter from "../pipeline/RateLimiter.ts"
import type { Refund } from "../refund/Refund.ts"
import { isSettled, isTerminal } from "../refund/RefundStatus.ts"
import { ConnectorRegistry } from "../service/ConnectorRegistry.ts"
import type { CreateRefundInput } from "../service/RefundClient.ts"
import { make as makeClient } from "../service/RefundClient.ts"
import type { HistoryEntry, RefundKey, Source, StoreError } from "../store/RefundStore.ts"
import { RefundStore, createdObservation, keyOf, keyString } from "../store/RefundStore.ts"

export interface Options {
  /** Delay before the first poll of a refund; later delays grow by `factor`. Default 2 seconds. */
  readonly initialDelay?: Duration.Input | undefined
  /** Longest delay between two polls of one refund. Default 5 minutes. */
  readonly maxDelay?: Duration.Input | undefined
  /** Backoff growth per poll. Default 2. */
  readonly factor?: number | undefined
  /** Randomize each delay by ±20% so refunds created together do not poll together. Default true. */
  readonly jitter?: boolean | undefined
  /** A refund still pending this long after its creation is flagged `Stuck` (once per tracker run). Default 24 hours. */
  readonly stuckAfter?: Duration.Input | undefined
  /** How often a webhook-only refund re-reads the store (another process may have stored its webhook). Default `maxDelay`. */
  readonly recheckEvery?: Duration.Input | undefined
  /** Resume every unsettled refund found in the store on start. Default true. */
  readonly resume?: boolean | undefined
  /** Start following unsettled refunds as they appear in the store. Default true. */
  readonly followStore?: boolean | undefined
  /**
   * How long after a refund succeeded it is watched for a reversal (connectors that report reversals
   * and can be polled). Default 30 days: reversals (Stripe's failed-after-succeeded, Adyen's
   * REFUND_FAILED) come days to weeks later. `0` turns watching off.
   */
  readonly reversalWindow?: Duration.Input | undefined
  /** How often a watched Succeeded refund is read. Default 6 hours. */
  readonly reversalPollEvery?: Duration.Input | undefined
}

export type StatusChange = Data.TaggedEnum<{
  /** A committed status change (`previous` is undefined when the refund first appears). */
  Changed: {
    readonly refund: Refund
    readonly previous: Refund | undefined
    readonly source: Source
    readonly entry: HistoryEntry
  }
  /** Still pending past the deadline. `webhookOnly`: the processor cannot be polled, its event is overdue. */
  Stuck: {
    readonly refund: Refund
    readonly pendingForMillis: number
    readonly deadline: number
    readonly webhookOnly: boolean
  }
}>
export const StatusChange = Data.taggedEnum<StatusChange>()

export interface Tracker {
  /** Records a refund created through Refract (source "create") and follows it until it settles. */
  readonly track: (refund: Refund) => Effect.Effect<void, StoreError>
  /** Follows a refund already in the store (no-op when it is settled or already followed). */
  readonly watch: (key: RefundKey) => Effect.Effect<void>
  /** Creates a refund through the connector, records it and follows it. */
  readonly create: (connector: string, input: CreateRefundInput) => Effect.Effect<Refund, RefundError | StoreError>
  /** The refunds followed right now. */
  readonly tracked: Effect.Effect<ReadonlyArray<RefundKey>>
  /** Status changes and Stuck flags, from the moment the stream starts. */
  readonly changes: Stream.Stream<StatusChange>
  /** Like `changes`, subscribed when the effect runs (nothing is missed after that). */
  readonly subscribe: Effect.Effect<PubSub.Subscription<StatusChange>, never, Scope.Scope>
}

export class RefundTracker extends Context.Service<RefundTracker, Tracker>()("@refract/core/RefundTracker") {}

export const polls = Metric.counter("refract_tracker_polls_total", {
  description: "Status polls made by the refund tracker, by connector and outcome"
})

const millis = (input: Duration.Input | undefined, fallback: Duration.Input): number =>
  Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))

const parseKey = (key: string): RefundKey => {
  const at = key.indexOf("\u0000")
  return { connector: key.slice(0, at), connectorRefundId: key.slice(at + 1) }
}

/** The connector can read a refund's status (so its refunds are polled, not only awaited). */
export const canPoll = (bound: BoundConnector | undefined): boolean =>
  bound !== undefined && bound.connector.capabilities.get && bound.connector.get !== undefined

/** Succeeded refunds of this connector can be reversed later, and the tracker can find out by reading. */
export const watchesReversals = (bound: BoundConnector | undefined): boolean =>
  canPoll(bound) && bound!.connector.capabilities.reportsReversals

/**
 * What following a refund means now: polling it until the processor decides, watching a success for
 * a reversal, or nothing more.
 */
export type Mode = "Pending" | "Watching" | "Done"

/** What following `refund` means at `now`, for a connector bound here (or not) and a reversal window. */
export const modeOf = (refund: Refund, bound: BoundConnector | undefined, now: number, reversalWindowMillis: number): Mode =>
  !isSettled(refund.status)
    ? "Pending"
    : refund.status === "Succeeded" && watchesReversals(bound) && now < refund.updatedAt + reversalWindowMillis
    ? "Watching"
    : "Done"

/**
 * Reads a refund's status at the processor (after the rate limiter) and applies the answer to the
 * store as a "poll" observation. A failed read is logged and counted, never raised: the caller polls
 * again later. Shared by this tracker and the durable one in `@refract/cluster`.
 */
export const pollOnce = (
  b: BoundConnector,
  refund: Refund,
  store: RefundStore["Service"],
  limiter: RateLimiter.RateLimiter
): Effect.Effect<void, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    yield* limiter.acquire
    const read = yield* Executor.readRefund(b, refund.reference).pipe(Effect.result)
    if (Result.isFailure(read)) {
      yield* Metric.update(Metric.withAttributes(polls, { connector: b.id, outcome: read.failure.reason._tag }), 1)
      yield* Effect.logWarning("refract tracker: status poll failed", {
        connector: b.id,
        refund: refund.connectorRefundId,
        error: read.failure.message
      })
      return
    }
    yield* Metric.update(Metric.withAttributes(polls, { connector: b.id, outcome: "ok" }), 1)
    const receivedAt = yield* Clock.currentTimeMillis
    // Uninterruptible: a webhook settling the refund meanwhile stops the loop, not a half-applied poll.
    yield* store.apply({ connector: b.id, snapshot: read.success, source: "poll", receivedAt }).pipe(
      Effect.uninterruptible,
      Effect.catch((e) => Effect.logWarning("refract tracker: could not store a poll result", { error: e.message }))
    )
  })

/** Builds a tracker that lives as long as the scope (its fibers are interrupted when it closes). */
export const make = (
  options: Options = {}
): Effect.Effect<Tracker, StoreError, RefundStore | ConnectorRegistry | HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* RefundStore
    const registry = yield* ConnectorRegistry
    const services = yield* Effect.context<HttpClient.HttpClient>()
    const initialDelay = millis(options.initialDelay, "2 seconds")
    const maxDelay = millis(options.maxDelay, "5 minutes")
    const factor = options.factor ?? 2
    const jitter = options.jitter ?? true
    const stuckAfter = millis(options.stuckAfter, "24 hours")
    const recheckEvery = millis(options.recheckEvery, maxDelay)
    const reversalWindow = millis(options.reversalWindow, "30 days")
    const reversalPollEvery = millis(options.reversalPollEvery, "6 hours")

    const hub = yield* PubSub.unbounded<StatusChange>()
    yield* Effect.addFinalizer(() => PubSub.shutdown(hub))
    const fibers = yield* FiberMap.make<string, void, never>()
    const limiters = new Map<string, RateLimiter.RateLimiter>()

    const limiterFor = (bound: BoundConnector) =>
      Effect.gen(function*() {
        const existing = limiters.get(bound.id)
        if (existing !== undefined) return existing
        const rate = bound.connector.rateLimit?.requestsPerSecond
        const made = rate === undefined ? RateLimiter.unlimited : yield* RateLimiter.make(rate)
        limiters.set(bound.id, made)
        return made
      })

    const delayFor = (attempt: number) =>
      Effect.gen(function*() {
        const base = Math.min(initialDelay * Math.pow(factor, attempt), maxDelay)
        return jitter ? Math.round(base * (0.8 + 0.4 * (yield* Random.next))) : base
      })

    /** The stored refund, from the source of truth. A failed read is retried: an unreachable database must not end tracking. */
    const stored = (key: RefundKey): Effect.Effect<Option.Option<Refund>> =>
      Effect.gen(function*() {
        for (let failures = 0;; failures++) {
          const read = yield* Effect.result(store.get(key))
          if (Result.isSuccess(read)) return read.success
          yield* Effect.logWarning("refract tracker: store read failed; retrying", { error: read.failure.message })
          yield* Effect.sleep(Duration.millis(Math.min(initialDelay * Math.pow(2, failures), maxDelay)))
        }
      })

    const missing = new Set<string>()
    const bound = (connector: string) =>
      registry.get(connector).pipe(
        Effect.option,
        Effect.map(Option.getOrUndefined),
        Effect.tap((b) =>
          b === undefined && !missing.has(connector)
            ? Effect.sync(() => missing.add(connector)).pipe(
              Effect.andThen(Effect.logWarning(`refract tracker: connector "${connector}" is not registered here; its refunds wait for webhooks`))
            )
            : Effect.void
        )
      )

    const poll = (b: BoundConnector, refund: Refund) =>
      limiterFor(b).pipe(Effect.flatMap((limiter) => pollOnce(b, refund, store, limiter)), Effect.provideContext(services))

    /** The refund and what following it means now, or none when there is nothing left to follow. */
    const current = (key: RefundKey) =>
      Effect.gen(function*() {
        const found = yield* stored(key)
        if (Option.isNone(found)) return undefined
        const b = yield* bound(key.connector)
        const mode = modeOf(found.value, b, yield* Clock.currentTimeMillis, reversalWindow)
        return mode === "Done" ? undefined : { refund: found.value, b, mode }
      })

    const follow = (key: RefundKey): Effect.Effect<void> =>
      Effect.gen(function*() {
        let attempt = 0
        let flagged = false
        while (true) {
          const now0 = yield* current(key)
          if (now0 === undefined) return
          const { b, mode, refund } = now0
          const pollable = canPoll(b)
          const now = yield* Clock.currentTimeMillis
          let delay: number
          if (mode === "Watching") {
            delay = Math.min(reversalPollEvery, Math.max(0, refund.updatedAt + reversalWindow - now))
          } else {
            const deadline = refund.createdAt + stuckAfter
            if (!flagged && now >= deadline) {
              flagged = true
              yield* Effect.logWarning("refract tracker: refund stuck", {
                connector: key.connector,
                refund: key.connectorRefundId,
                status: refund.status,
                pendingForMillis: now - refund.createdAt
              })
              yield* PubSub.publish(hub, StatusChange.Stuck({ refund, pendingForMillis: now - refund.createdAt, deadline, webhookOnly: !pollable }))
            }
            delay = pollable
              ? yield* delayFor(attempt++)
              : flagged
              ? recheckEvery
              : Math.max(0, Math.min(recheckEvery, deadline - now))
          }
          yield* Effect.sleep(Duration.millis(delay))
          // The store is the source of truth: a webhook may have settled the refund while we slept.
          const latest = yield* current(key)
          if (latest === undefined) return
          if (latest.b !== undefined && canPoll(latest.b)) yield* poll(latest.b, latest.refund)
        }
      }).pipe(Effect.annotateLogs({ connector: key.connector, refund: key.connectorRefundId }))

    const watch = (key: RefundKey) =>
      FiberMap.run(fibers, keyString(key), follow(key), { onlyIfMissing: true }).pipe(Effect.asVoid)

    // Follow the store: forward its changes, stop following what settled, follow what appears.
    const subscription = yield* store.subscribe
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const change = yield* PubSub.take(subscription)
      // Another process's change (a shared PostgreSQL store): that process follows its refunds.
      if (change.remote === true) return
      yield* PubSub.publish(hub, StatusChange.Changed({
        refund: change.current,
        previous: change.previous,
        source: change.entry.source,
        entry: change.entry
      }))
      const key = keyOf(change.current)
      const b = yield* bound(key.connector)
      const mode = modeOf(change.current, b, yield* Clock.currentTimeMillis, reversalWindow)
      if (mode === "Done" || isTerminal(change.current.status)) yield* FiberMap.remove(fibers, keyString(key))
      else if (options.followStore ?? true) yield* watch(key)
    })))

    if (options.resume ?? true) {
      const since = (yield* Clock.currentTimeMillis) - reversalWindow
      const pending = yield* store.listUnsettled(undefined, { succeededSince: reversalWindow > 0 ? since : undefined })
      yield* Effect.forEach(pending, (refund) => watch(keyOf(refund)), { discard: true })
      if (pending.length > 0) yield* Effect.logInfo(`refract tracker: resumed ${pending.length} unsettled or watched refunds`)
    }

    const track = (refund: Refund) =>
      Effect.gen(function*() {
        const receivedAt = yield* Clock.currentTimeMillis
        yield* store.apply(createdObservation(refund, receivedAt))
        yield* watch(keyOf(refund))
      })

    const tracker: Tracker = {
      track,
      watch,
      create: (connector, input) =>
        Effect.gen(function*() {
          const b = yield* registry.get(connector)
          // The client records the intent before sending and the refund after, in this store.
          const client = yield* makeClient(b, { store }).pipe(Effect.provideContext(services))
          const refund = yield* client.create(input)
          yield* watch(keyOf(refund))
          return refund
        }),
      tracked: Effect.sync(() => [...fibers].map(([key]) => parseKey(key))),
      changes: Stream.fromPubSub(hub),
      subscribe: PubSub.subscribe(hub)
    }
    return tracker
  })

export const layer = (
  options: Options = {}
): Layer.Layer<RefundTracker, StoreError, RefundStore | ConnectorRegistry | HttpClient.HttpClient> =>
  Layer.effect(RefundTracker, make(options))
