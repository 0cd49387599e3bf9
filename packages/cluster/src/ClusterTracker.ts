/**
 * The core `RefundTracker` on Effect Cluster: tracking is the `TrackRefund` workflow, so it survives
 * any process, and every runner (or client-only member) sharing the PostgreSQL can start, signal and
 * read it.
 *
 * - `create` starts the workflow that creates the refund and returns the refund once the workflow
 *   has made it (read from the store), or the workflow's RefundError when the processor refused it.
 *   If the answer takes longer than `createTimeout`, it fails with OutcomeUnknown: the workflow keeps
 *   going, and a later `create` of the same input returns its refund.
 * - `track` and `watch` start tracking of a refund that exists already.
 * - Webhooks: this tracker follows the store's changes committed in this process (the webhook route
 *   applies each event to the store before acknowledging it). A change that came from a webhook or a
 *   reconciliation completes the waits of the refund's execution (see `TrackRefund.signal`), and a
 *   refund first seen that way gets its own execution. The signal only shortens the wait: each
 *   execution re-reads the store on its own timer, so a signal lost to a crash delays tracking, never
 *   loses it.
 * - `changes` covers the whole cluster: status changes committed through any runner's store (the
 *   PostgreSQL store relays them between processes, at most once), and the Stuck flags this
 *   process's workflows raised. The durable record of both is the store's history and the tracking table.
 */
import { Clock, Context, Duration, Effect, Layer, Option, PubSub, Result, Schema, Stream } from "effect"
import type { Scope } from "effect"
import type { SqlClient } from "effect/sql"
import type { WorkflowEngine } from "effect/workflow"
import { Workflow } from "effect/workflow"
import { ConnectorRegistry, Idempotency, RefundClient, RefundError, RefundStore, RefundTracker } from "@refract/core"
import type { Refund } from "@refract/core"
import * as Settings from "./Settings.ts"
import * as Tracking from "./Tracking.ts"
import { signal, TrackRefund } from "./TrackRefund.ts"
import type { Payload } from "./TrackRefund.ts"

export interface Options extends Settings.Options {
  /** How long `create` waits for the workflow's answer before failing with OutcomeUnknown. Default 2 minutes. */
  readonly createTimeout?: Duration.Input | undefined
}

/** The payload of the execution that follows a stored refund: its create's, when Refract created it. */
const payloadFor = (store: RefundStore.Store, refund: Refund.Refund) =>
  Effect.gen(function*() {
    if (refund.merchantRefundId !== undefined) {
      const intent = yield* store.getCreate(refund.connector, refund.merchantRefundId)
      if (Option.isSome(intent)) {
        return { connector: refund.connector, merchantRefundId: refund.merchantRefundId, connectorRefundId: null, create: intent.value.request } satisfies Payload
      }
    }
    return {
      connector: refund.connector,
      merchantRefundId: refund.merchantRefundId ?? null,
      connectorRefundId: refund.connectorRefundId,
      create: null
    } satisfies Payload
  })

const logFailure = (what: string) => (e: { readonly message: string }) =>
  Effect.logWarning(`refract cluster: ${what}`, { error: e.message })

const describeExit = (result: Workflow.Result<unknown, unknown>) => (result._tag === "Complete" ? result.exit : undefined)

/** Builds the tracker; it lives as long as the scope. */
export const make = (
  options: Options = {}
): Effect.Effect<
  { readonly tracker: RefundTracker.Tracker; readonly notifier: Settings.Notifier["Service"] },
  never,
  RefundStore.RefundStore | ConnectorRegistry.ConnectorRegistry | WorkflowEngine.WorkflowEngine | SqlClient.SqlClient | Scope.Scope
> =>
  Effect.gen(function*() {
    const settings = Settings.resolve(options)
    const createTimeout = Duration.toMillis(Duration.fromInputUnsafe(options.createTimeout ?? "2 minutes"))
    const store = yield* RefundStore.RefundStore
    const registry = yield* ConnectorRegistry.ConnectorRegistry
    const context = yield* Effect.context<WorkflowEngine.WorkflowEngine | SqlClient.SqlClient>()
    const tracking = Tracking.make(settings.schema)
    const hub = yield* PubSub.unbounded<RefundTracker.StatusChange>()
    yield* Effect.addFinalizer(() => PubSub.shutdown(hub))

    const notifier: Settings.Notifier["Service"] = {
      stuck: (flag) =>
        Effect.gen(function*() {
          yield* Settings.logOnly.stuck(flag)
          const refund = yield* store.get({ connector: flag.connector, connectorRefundId: flag.connectorRefundId }).pipe(Effect.option, Effect.map(Option.flatten))
          if (Option.isSome(refund)) {
            yield* PubSub.publish(hub, RefundTracker.StatusChange.Stuck({
              refund: refund.value,
              pendingForMillis: flag.pendingForMillis,
              deadline: flag.deadline,
              webhookOnly: flag.webhookOnly
            }))
          }
        })
    }

    /** Starts (idempotently) the execution for `payload`, recording it in the tracking table first. */
    const start = (payload: Payload) =>
      Effect.gen(function*() {
        const executionId = yield* TrackRefund.executionId(payload)
        const row = yield* tracking.get(executionId)
        if (row?.finishedAt != null) return { executionId, finished: true }
        yield* tracking.begin({
          executionId,
          connector: payload.connector,
          merchantRefundId: payload.create?.merchantRefundId ?? payload.merchantRefundId,
          connectorRefundId: payload.connectorRefundId,
          phase: payload.create !== null ? "Creating" : "Pending",
          at: yield* Clock.currentTimeMillis
        })
        yield* TrackRefund.execute(payload, { discard: true })
        return { executionId, finished: false }
      }).pipe(Effect.provideContext(context))

    const follow = (refund: Refund.Refund) =>
      Effect.gen(function*() {
        const payload = yield* payloadFor(store, refund)
        yield* start(payload)
      })

    // Forward this process's store changes; route webhook and reconciliation changes to their execution.
    const subscription = yield* store.subscribe
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const change = yield* PubSub.take(subscription)
      yield* PubSub.publish(hub, RefundTracker.StatusChange.Changed({
        refund: change.current,
        previous: change.previous,
        source: change.entry.source,
        entry: change.entry
      }))
      // Every runner hears of every change (the store relays them), but only the one that stored a
      // webhook or reconciliation signals its workflow.
      if (change.remote === true || (change.entry.source !== "webhook" && change.entry.source !== "reconcile")) return
      yield* Effect.gen(function*() {
        const payload = yield* payloadFor(store, change.current)
        const executionId = yield* TrackRefund.executionId(payload)
        // Signal first: a completion stored before the execution starts is consumed when it reaches its wait.
        yield* signal(executionId, change.current.status).pipe(Effect.provideContext(context))
        yield* tracking.syncFinished(executionId, change.current.status, yield* Clock.currentTimeMillis).pipe(Effect.provideContext(context))
        if (payload.create === null) {
          const b = yield* registry.get(change.current.connector).pipe(Effect.option, Effect.map(Option.getOrUndefined))
          const mode = RefundTracker.modeOf(change.current, b, yield* Clock.currentTimeMillis, settings.reversalWindowMillis)
          if (mode !== "Done" || change.previous === undefined) yield* start(payload)
        }
      }).pipe(Effect.catch(logFailure("could not route a webhook to its workflow")))
    })))

    const create = (connector: string, input: RefundClient.CreateRefundInput) =>
      Effect.gen(function*() {
        const decoded = RefundClient.decodeCreate(connector, input)
        if (Result.isFailure(decoded)) return yield* decoded.failure
        const request = decoded.success
        const payload: Payload = { connector, merchantRefundId: request.merchantRefundId, connectorRefundId: null, create: request }
        const b = yield* registry.get(connector)
        const idempotencyKey = request.idempotencyKey ?? Idempotency.derive(request.merchantRefundId, b.connector.idempotencyKey)
        const unknown = (message: string) =>
          new RefundError({
            connector,
            operation: "create",
            reason: new RefundError.OutcomeUnknown({ message, idempotencyKey, merchantRefundId: request.merchantRefundId })
          })
        const storeFailure = (e: { readonly message: string }) => unknown(`could not start or read the tracking workflow: ${e.message}`)
        const { executionId } = yield* start(payload).pipe(Effect.mapError(storeFailure))
        const deadline = (yield* Clock.currentTimeMillis) + createTimeout
        for (let wait = 20;; wait = Math.min(wait * 2, 250)) {
          const made = yield* store.getByMerchantRefundId(request.merchantRefundId, connector).pipe(Effect.mapError(storeFailure))
          if (Option.isSome(made)) return made.value
          const result = yield* TrackRefund.poll(executionId).pipe(Effect.provideContext(context))
          const exit = Option.isSome(result) ? describeExit(result.value) : undefined
          if (exit !== undefined && exit._tag === "Failure") {
            const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
            if (failure !== undefined && Schema.is(RefundError)(failure.error)) return yield* failure.error
            return yield* unknown(`the tracking workflow ${executionId} ended without a refund`)
          }
          if ((yield* Clock.currentTimeMillis) >= deadline) {
            return yield* unknown(
              `no answer within ${Duration.format(Duration.millis(createTimeout))}; the tracking workflow ${executionId} keeps going ` +
                `(create the same refund again to get it once it is made)`
            )
          }
          yield* Effect.sleep(Duration.millis(wait))
        }
      })

    const tracker: RefundTracker.Tracker = {
      track: (refund) =>
        Effect.gen(function*() {
          yield* store.apply(RefundStore.createdObservation(refund, yield* Clock.currentTimeMillis))
          yield* follow(refund).pipe(
            Effect.catch((e) => Effect.fail(new RefundStore.StoreError({ operation: "track", message: `could not start tracking: ${e.message}`, cause: e })))
          )
        }),
      watch: (key) =>
        store.get(key).pipe(
          Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: follow })),
          Effect.catch(logFailure("could not start tracking"))
        ),
      create: (connector, input) => create(connector, input),
      tracked: tracking.open().pipe(
        Effect.map((rows) => rows.flatMap((r) => (r.connectorRefundId === null ? [] : [{ connector: r.connector, connectorRefundId: r.connectorRefundId }]))),
        Effect.orElseSucceed(() => []),
        Effect.provideContext(context)
      ),
      changes: Stream.fromPubSub(hub),
      subscribe: PubSub.subscribe(hub)
    }
    return { tracker, notifier }
  })

/**
 * The RefundTracker (and the workflow's Notifier) on the cluster. Needs a WorkflowEngine
 * (`ClusterRunner.layer` or `ClusterRunner.layerClient`) and the store on the same PostgreSQL.
 */
export const layer = (
  options: Options = {}
): Layer.Layer<
  RefundTracker.RefundTracker | Settings.Notifier,
  never,
  RefundStore.RefundStore | ConnectorRegistry.ConnectorRegistry | WorkflowEngine.WorkflowEngine | SqlClient.SqlClient
> =>
  Layer.effectContext(Effect.gen(function*() {
    const built = yield* make(options)
    return Context.make(RefundTracker.RefundTracker, built.tracker).pipe(Context.add(Settings.Notifier, built.notifier))
  }))
