/**
 * `TrackRefund`: one refund's life as one durable workflow on Effect Workflow.
 *
 * An execution is idempotent on its refund: a refund created through Refract is keyed by
 * (connector, merchant refund id), a refund first seen elsewhere (a webhook, the dashboard) by
 * (connector, processor refund id). Starting it twice runs it once.
 *
 * 1. **Create** (when the payload carries a create request): `create/n` runs the core RefundClient
 *    with the store, so the idempotency key and its first use are persisted before the first send.
 *    An outcome that stays unknown (a lost answer, a crash mid-request) is resolved on the next
 *    attempt, after a durable backoff, by lookup or a same-key replay within the processor's key
 *    window; a definitive refusal ends the workflow with the RefundError.
 * 2. **Poll** with durable backoff (`observe/n`, then a persisted timer), within the connector's rate
 *    limit, for connectors that can read a refund.
 * 3. **Wait for the webhook**: every wait races the timer against a `DurableDeferred` that the
 *    webhook route of any runner completes once a webhook settles the refund (`Settled`), or ends a
 *    success (`Ended`). A webhook stored before the execution reaches its wait is not lost: the
 *    completion is persisted and consumed when the wait comes, and the store has the event anyway.
 * 4. **Flag stuck** refunds durably (`stuck`): once, in the same transaction as the activity's journal
 *    entry (`ClusterSchema.WithTransaction`).
 * 5. **Watch** a success at a low rate through the reversal window (connectors that report reversals
 *    and can be polled).
 * 6. **Finish**: the final state is in the store; `finish` records the end in the tracking table.
 *
 * Activities run at least once (a runner may die after running one and before its reply is
 * stored). Each is safe to repeat: creates repeat under the same idempotency key and resolve
 * through the store's create intent, polls only read, and the tracking writes commit with their
 * journal entry. Every decision the body takes depends only on journaled activity results (the
 * current time included), so a replay after a crash walks the same path. Jitter is derived from the
 * execution id, not from a random source, for the same reason.
 */
import { Clock, Duration, Effect, Layer, Option, Ref, Schema } from "effect"
import type { HttpClient } from "effect/http"
import { ClusterSchema } from "effect/cluster"
import type { SqlClient } from "effect/sql"
import { Activity, DurableClock, DurableDeferred, Workflow } from "effect/workflow"
import type { WorkflowEngine } from "effect/workflow"
import { ConnectorRegistry, Executor, RateLimiter, Refund, RefundClient, RefundError, RefundStatus, RefundStore, RefundTracker } from "@refract/core"
import type { BoundConnector } from "@refract/core"
import * as Settings from "./Settings.ts"
import * as Tracking from "./Tracking.ts"

/** What the workflow is asked to follow: a refund to create, or one that exists already. */
export const Payload = {
  connector: Schema.String,
  /** Set for refunds created through the workflow (and known for others when the processor reports it). */
  merchantRefundId: Schema.NullOr(Schema.String),
  /** Set for refunds that exist already (first seen in a webhook or a listing). */
  connectorRefundId: Schema.NullOr(Schema.String),
  /** The create request, for a refund the workflow creates. */
  create: Schema.NullOr(Refund.CreateRefundRequest)
}
export type Payload = Schema.Struct.Type<typeof Payload>

/** How tracking ended. */
export const Outcome = Schema.Struct({
  connector: Schema.String,
  connectorRefundId: Schema.NullOr(Schema.String),
  /** The refund's final status in the store (null: the refund was never found). */
  status: Schema.NullOr(RefundStatus.RefundStatus),
  /** Was it flagged Stuck on the way. */
  stuck: Schema.Boolean,
  /** How many observe steps it took. */
  steps: Schema.Number
})
export type Outcome = typeof Outcome.Type

/** The key an execution is idempotent on. */
export const trackingKey = (p: Pick<Payload, "connector" | "merchantRefundId" | "connectorRefundId" | "create">): string =>
  p.create !== null
    ? `${p.connector}\u0000merchant\u0000${p.create.merchantRefundId}`
    : `${p.connector}\u0000refund\u0000${p.connectorRefundId ?? ""}`

export const TrackRefund = Workflow.make("refract.TrackRefund", {
  payload: Payload,
  success: Outcome,
  error: RefundError,
  idempotencyKey: trackingKey
})

/** Completed by a webhook that settled the refund (any processor decision). */
export const Settled = DurableDeferred.make("refract.settled")
/** Completed by a webhook that ended the refund for good (failed, cancelled, reversed). */
export const Ended = DurableDeferred.make("refract.ended")

/** Completes the waits of one execution that a stored status change concerns. */
export const signal = (executionId: string, status: RefundStatus.RefundStatus): Effect.Effect<void, never, WorkflowEngine.WorkflowEngine> =>
  Effect.gen(function*() {
    if (!RefundStatus.isSettled(status)) return
    yield* DurableDeferred.succeed(Settled, { token: DurableDeferred.tokenFromExecutionId(Settled, { workflow: TrackRefund, executionId }), value: undefined })
    if (RefundStatus.isTerminal(status)) {
      yield* DurableDeferred.succeed(Ended, { token: DurableDeferred.tokenFromExecutionId(Ended, { workflow: TrackRefund, executionId }), value: undefined })
    }
  })

/** One create attempt: made, refused for good, or not settled yet (to be resolved by the next attempt). */
const CreateStep = Schema.Union([
  Schema.TaggedStruct("Created", { connectorRefundId: Schema.String, status: RefundStatus.RefundStatus }),
  Schema.TaggedStruct("Refused", { error: RefundError }),
  Schema.TaggedStruct("Unresolved", { message: Schema.String })
])
type CreateStep = typeof CreateStep.Type

/** What one observe step saw, with the time it saw it (decisions are taken on journaled time). */
const Seen = Schema.Struct({
  found: Schema.Boolean,
  status: Schema.NullOr(RefundStatus.RefundStatus),
  mode: Schema.Literals(["Pending", "Watching", "Done"]),
  pollable: Schema.Boolean,
  createdAt: Schema.Number,
  updatedAt: Schema.Number,
  now: Schema.Number
})
type Seen = typeof Seen.Type

/** A stable number in [0, 1) from a string (FNV-1a): jitter that replays identically. */
const unit = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0) / 0x1_0000_0000
}

/** Sleeps that must survive a crash are persisted whatever their length (the default keeps ≤ 60 s in memory). */
const sleep = (name: string, millis: number) =>
  DurableClock.sleep({ name, duration: Duration.millis(Math.max(1, Math.round(millis))), inMemoryThreshold: Duration.zero })

const keyFor = (connector: string, connectorRefundId: string): RefundStore.RefundKey => ({ connector, connectorRefundId })

/**
 * The workflow's implementation, for runners: registers `TrackRefund` with the engine. Needs the
 * refund store, the connector registry, an HttpClient and the SqlClient of the cluster's storage
 * (the tracking table is written in the same transactions as the journal).
 */
export const layer = (
  settings: Settings.Settings
): Layer.Layer<
  never,
  never,
  WorkflowEngine.WorkflowEngine | RefundStore.RefundStore | ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient | SqlClient.SqlClient | Settings.Notifier
> =>
  Layer.unwrap(Effect.gen(function*() {
    const store = yield* RefundStore.RefundStore
    const registry = yield* ConnectorRegistry.ConnectorRegistry
    const notifier = yield* Settings.Notifier
    const services = yield* Effect.context<HttpClient.HttpClient>()
    const tracking = Tracking.make(settings.schema)
    const limiters = yield* Ref.make(new Map<string, RateLimiter.RateLimiter>())

    const bound = (connector: string) =>
      registry.get(connector).pipe(Effect.option, Effect.map(Option.getOrUndefined))

    /** Per-runner token bucket for polls: this runner's share of the connector's declared rate. */
    const limiterFor = (b: BoundConnector.BoundConnector) =>
      Effect.gen(function*() {
        const existing = (yield* Ref.get(limiters)).get(b.id)
        if (existing !== undefined) return existing
        const rate = b.connector.rateLimit?.requestsPerSecond
        const made = rate === undefined ? RateLimiter.unlimited : yield* RateLimiter.make(rate * settings.pollRateShare)
        yield* Ref.update(limiters, (m) => new Map(m).set(b.id, made))
        return made
      })

    const createOnce = (connector: string, request: Refund.CreateRefundRequest): Effect.Effect<CreateStep> =>
      Effect.gen(function*() {
        const b = yield* bound(connector)
        if (b === undefined) {
          yield* Effect.logError(`refract cluster: connector "${connector}" is not registered on this runner; the create waits`)
          return { _tag: "Unresolved" as const, message: `connector ${connector} is not registered on this runner` }
        }
        const client = yield* RefundClient.make(b, { store }).pipe(Effect.provideContext(services))
        const made = yield* Effect.result(client.create(request))
        if (made._tag === "Success") {
          return { _tag: "Created" as const, connectorRefundId: made.success.connectorRefundId, status: made.success.status }
        }
        const error = made.failure
        if (error.reason._tag !== "OutcomeUnknown" && Executor.isDefinitive(error.reason)) return { _tag: "Refused" as const, error }
        yield* Effect.logWarning("refract cluster: create not settled yet; retrying after a backoff", { connector, error: error.message })
        return { _tag: "Unresolved" as const, message: error.message }
      })

    const observeOnce = (connector: string, connectorRefundId: string, poll: boolean): Effect.Effect<Seen> =>
      Effect.gen(function*() {
        const key = keyFor(connector, connectorRefundId)
        const b = yield* bound(connector)
        const pollable = RefundTracker.canPoll(b)
        const read = () => store.get(key).pipe(Effect.retry({ times: 3 }), Effect.orElseSucceed(() => Option.none<Refund.Refund>()))
        let refund = yield* read()
        if (poll && pollable && Option.isSome(refund)) {
          const mode = RefundTracker.modeOf(refund.value, b, yield* Clock.currentTimeMillis, settings.reversalWindowMillis)
          if (mode !== "Done") {
            yield* RefundTracker.pollOnce(b!, refund.value, store, yield* limiterFor(b!)).pipe(Effect.provideContext(services))
            refund = yield* read()
          }
        }
        const now = yield* Clock.currentTimeMillis
        if (Option.isNone(refund)) {
          return { found: false, status: null, mode: "Done" as const, pollable, createdAt: now, updatedAt: now, now }
        }
        const r = refund.value
        return {
          found: true,
          status: r.status,
          mode: RefundTracker.modeOf(r, b, now, settings.reversalWindowMillis),
          pollable,
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
          now
        }
      })

    const body = Effect.fnUntraced(function*(payload: Payload, executionId: string) {
      const connector = payload.connector
      let connectorRefundId = payload.connectorRefundId

      const finish = (phase: "Finished" | "Refused", status: string | null) =>
        Activity.make({
          name: "finish",
          execute: Effect.gen(function*() {
            yield* tracking.finish(executionId, { phase, status, connectorRefundId, at: yield* Clock.currentTimeMillis })
          }).pipe(Effect.orDie)
        }).annotate(ClusterSchema.WithTransaction, true)

      if (payload.create !== null) {
        const request = payload.create
        for (let n = 1;; n++) {
          const step = yield* Activity.make({ name: `create/${n}`, success: CreateStep, execute: createOnce(connector, request) })
          if (step._tag === "Created") {
            connectorRefundId = step.connectorRefundId
            break
          }
          if (step._tag === "Refused") {
            yield* finish("Refused", null)
            return yield* Effect.fail(step.error)
          }
          yield* sleep(`create-retry/${n}`, Math.min(settings.initialDelayMillis * Math.pow(settings.factor, n - 1), settings.maxDelayMillis))
        }
      }
      if (connectorRefundId === null) {
        yield* finish("Finished", null)
        return { connector, connectorRefundId: null, status: null, stuck: false, steps: 0 }
      }
      const refundId = connectorRefundId

      let stuck = false
      let settledSignal = false
      let endedSignal = false
      let polls = 0
      for (let n = 1;; n++) {
        const seen = yield* Activity.make({
          name: `observe/${n}`,
          success: Seen,
          // The first look follows the create's own answer (or the event that started tracking): no poll.
          execute: Effect.tap(observeOnce(connector, refundId, n > 1), (s) =>
            s.mode === "Done"
              ? Effect.void
              : tracking.progress(executionId, {
                phase: s.mode === "Watching" ? "Watching" : "Pending",
                status: s.status,
                connectorRefundId: refundId,
                at: s.now
              }).pipe(Effect.ignore))
        })
        if (seen.mode === "Done") {
          yield* finish("Finished", seen.status)
          return { connector, connectorRefundId: refundId, status: seen.status, stuck, steps: n }
        }
        let delay: number
        if (seen.mode === "Watching") {
          delay = Math.min(settings.reversalPollEveryMillis, Math.max(0, seen.updatedAt + settings.reversalWindowMillis - seen.now))
        } else {
          const deadline = seen.createdAt + settings.stuckAfterMillis
          if (!stuck && seen.now >= deadline) {
            stuck = true
            yield* Activity.make({
              name: "stuck",
              execute: Effect.gen(function*() {
                const set = yield* tracking.flagStuck(executionId, seen.now)
                if (set) yield* notifier.stuck({ connector, connectorRefundId: refundId, status: seen.status, pendingForMillis: seen.now - seen.createdAt, deadline, webhookOnly: !seen.pollable })
              }).pipe(Effect.orDie)
            }).annotate(ClusterSchema.WithTransaction, true)
          }
          if (seen.pollable) {
            const base = Math.min(settings.initialDelayMillis * Math.pow(settings.factor, polls++), settings.maxDelayMillis)
            delay = settings.jitter ? base * (0.8 + 0.4 * unit(`${executionId}/${n}`)) : base
          } else {
            delay = stuck ? settings.recheckEveryMillis : Math.max(0, Math.min(settings.recheckEveryMillis, deadline - seen.now))
          }
        }
        // A signal already consumed would end every later wait at once: only wait on one not yet seen.
        const awaited = seen.mode === "Pending" ? (settledSignal ? undefined : Settled) : endedSignal ? undefined : Ended
        if (awaited === undefined) {
          yield* sleep(`wait/${n}`, delay)
          continue
        }
        const woke = yield* DurableDeferred.raceAll({
          name: `wait/${n}`,
          success: Schema.Literals(["signal", "timer"]),
          error: Schema.Never,
          effects: [
            DurableDeferred.await(awaited).pipe(Effect.as("signal" as const)),
            sleep(`timer/${n}`, delay).pipe(Effect.as("timer" as const))
          ]
        })
        if (woke === "signal") {
          if (awaited === Settled) settledSignal = true
          else endedSignal = true
        }
      }
    })

    return TrackRefund.toLayer(body)
  }))
