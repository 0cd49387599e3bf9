/**
 * `RefundStore`: where Refract keeps every refund's current state and its full observation history.
 *
 * Observations come from three sources (the create response, status polls, webhooks), in any order,
 * more than once, and concurrently. A store applies each one atomically: it loads the current state,
 * folds the snapshot through the state machine (`Observe.observe`, so the rules live in one place),
 * appends a history entry and writes the new state, all serialized per refund, so a webhook racing a
 * poll never loses an update. Webhook deliveries carrying an event id are de-duplicated durably in the
 * same step.
 *
 * Implementations: `MemoryRefundStore` (the default, embedded) and `@refract/store-pg` (PostgreSQL).
 * Both pass `RefundStoreConformance`, the shared behaviour suite.
 */
import { Clock, Context, Data, Effect, Option, PubSub, Result, Schema, Stream } from "effect"
import { Base64Url } from "effect/encoding"
import type { Scope } from "effect"
import { observe } from "../refund/Observe.ts"
import { CreateRefundRequest, Refund, RefundSnapshot } from "../refund/Refund.ts"
import { trusted } from "../refund/Trusted.ts"
import { Transition, replay } from "../refund/RefundStateMachine.ts"
import type { State } from "../refund/RefundStateMachine.ts"
import type { ObservationSource } from "../refund/RefundStateMachine.ts"
import { ObservedStatus, RefundStatus, isSettled } from "../refund/RefundStatus.ts"

/** Where an observation came from. */
export const Source = Schema.Literals(["create", "poll", "webhook", "reconcile"])
export type Source = ObservationSource

/** The state machine's verdict on an observation, as recorded in the history. */
export const TransitionTag = Schema.Literals(["Applied", "Unchanged", "Stale", "Unrecognised", "Rejected"])
export type TransitionTag = typeof TransitionTag.Type

/** The store could not read or write (connection lost, disk full, ...). Nothing was acknowledged. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  operation: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** A refund is identified by its connector and the processor's refund id. */
export interface RefundKey {
  readonly connector: string
  readonly connectorRefundId: string
}

export const keyOf = (refund: { readonly connector: string; readonly connectorRefundId: string }): RefundKey => ({
  connector: refund.connector,
  connectorRefundId: refund.connectorRefundId
})

/** A stable string for a key (map keys, lock names). */
export const keyString = (key: RefundKey): string => `${key.connector}\u0000${key.connectorRefundId}`

/** One observation in a refund's append-only history. */
export class HistoryEntry extends Schema.Class<HistoryEntry>("@refract/core/RefundHistoryEntry")({
  connector: Schema.String,
  connectorRefundId: Schema.String,
  /** 1-based position in this refund's history, without gaps. */
  sequence: Schema.Number,
  source: Source,
  /** The processor's event id, for webhooks. */
  eventId: Schema.optional(Schema.String),
  /** When Refract received the observation (epoch ms). */
  receivedAt: Schema.Number,
  /** The processor's status string, verbatim. */
  rawStatus: Schema.String,
  observedStatus: ObservedStatus,
  transition: TransitionTag,
  /** The refund's status before and after this observation (undefined before the first one). */
  statusBefore: Schema.optional(RefundStatus),
  statusAfter: Schema.optional(RefundStatus),
  /**
   * The time the state machine ordered this observation by (epoch ms): the processor's time when
   * it gave one, else the read, receipt or first-attempt time. Always set on new entries.
   */
  occurredAt: Schema.optional(Schema.Number),
  /** The observation as the connector parsed it. */
  snapshot: RefundSnapshot
}) {}

/** What to apply to a refund. */
export interface Observation {
  readonly connector: string
  readonly snapshot: RefundSnapshot
  readonly source: Source
  /** Webhook event id: a second observation with the same (connector, eventId) is a Duplicate. */
  readonly eventId?: string | undefined
  /** When Refract received it (epoch ms); also the refund's `updatedAt` when it changes. */
  readonly receivedAt: number
  /**
   * When the observation was made, if not `receivedAt` (epoch ms): the state machine's time for a
   * snapshot without a processor time (a create answer is stamped with its first attempt).
   */
  readonly observedAt?: number | undefined
  /** The create request, when recording a create response. */
  readonly request?: CreateRefundRequest | undefined
}

/** A committed change of a refund's status (published after the write is durable). */
export interface Change {
  readonly previous: Refund | undefined
  readonly current: Refund
  readonly entry: HistoryEntry
  /**
   * Committed by another process sharing the store (a PostgreSQL store tells its instances about
   * each other's changes). `previous` is then unknown: read `entry.statusBefore`. Absent for this
   * instance's own changes; trackers follow only those, views show both.
   */
  readonly remote?: boolean | undefined
}

export type ApplyResult = Data.TaggedEnum<{
  /** The observation was recorded. `transition` says whether the status moved. */
  Observed: {
    readonly previous: Refund | undefined
    /** Undefined only for a never-seen refund whose first status the connector did not recognise. */
    readonly current: Refund | undefined
    readonly transition: Transition
    readonly entry: HistoryEntry
  }
  /** This (connector, eventId) was applied before: nothing changed. */
  Duplicate: {
    readonly connector: string
    readonly eventId: string
    readonly current: Refund | undefined
  }
}>
export const ApplyResult = Data.taggedEnum<ApplyResult>()

/** Where a create stands: sent with its outcome unknown (Pending), made (Created), refused (Failed). */
export const CreateState = Schema.Literals(["Pending", "Created", "Failed"])
export type CreateState = typeof CreateState.Type

/**
 * A create request Refract sent or is about to send, recorded BEFORE the first attempt. It keeps the
 * idempotency key's first use, so that after a lost answer, a restart or a crash the refund is found
 * (lookup) or replayed under the same key only while the processor still remembers it.
 */
export class CreateIntent extends Schema.Class<CreateIntent>("@refract/core/CreateIntent")({
  connector: Schema.String,
  merchantRefundId: Schema.String,
  idempotencyKey: Schema.String,
  /** When the first attempt under this key was (or was about to be) sent, epoch ms. */
  firstAttemptAt: Schema.Number,
  state: CreateState,
  /** The processor's refund id, once the create is known to have made it. */
  connectorRefundId: Schema.optional(Schema.String),
  request: CreateRefundRequest,
  updatedAt: Schema.Number
}) {}

/** How a create ended. */
export type CreateEnd =
  | { readonly state: "Created"; readonly connectorRefundId: string }
  | { readonly state: "Failed" }

/** A time range, epoch ms, `from` inclusive and `to` exclusive; either end may be open. */
export interface TimeRange {
  readonly from?: number | undefined
  readonly to?: number | undefined
}

/**
 * What `search` looks for. Every field is optional and all that are given must hold. What support
 * teams paste is an id: `id` finds it as a merchant refund id, a processor refund id or a payment id
 * (the processor's id of the refunded payment), exactly.
 */
export interface SearchQuery {
  readonly id?: string | undefined
  readonly connector?: string | undefined
  /** Any of these statuses. */
  readonly statuses?: ReadonlyArray<RefundStatus> | undefined
  readonly created?: TimeRange | undefined
  readonly updated?: TimeRange | undefined
  /** The `next` of the previous page (opaque); absent for the first page. */
  readonly cursor?: string | undefined
  /** Refunds per page: default 50, at most {@link maxSearchLimit}. */
  readonly limit?: number | undefined
}

/** One page of a search: most recently updated first (ties by connector and processor refund id). */
export interface SearchPage {
  readonly refunds: ReadonlyArray<Refund>
  /** The cursor of the next page, when there is one. */
  readonly next?: string | undefined
}

export const defaultSearchLimit = 50
export const maxSearchLimit = 500

/** The position a search page ends at, as an opaque cursor (and back). */
export const searchCursor = {
  encode: (refund: { readonly updatedAt: number; readonly connector: string; readonly connectorRefundId: string }): string =>
    Base64Url.encode(JSON.stringify([refund.updatedAt, refund.connector, refund.connectorRefundId])),
  decode: (cursor: string): { readonly updatedAt: number; readonly connector: string; readonly connectorRefundId: string } | undefined => {
    const text = Base64Url.decodeString(cursor)
    if (Result.isFailure(text)) return undefined
    try {
      const value: unknown = JSON.parse(text.success)
      if (!Array.isArray(value) || value.length !== 3) return undefined
      const [updatedAt, connector, connectorRefundId] = value as [unknown, unknown, unknown]
      return Number.isSafeInteger(updatedAt) && typeof connector === "string" && typeof connectorRefundId === "string"
        ? { updatedAt: updatedAt as number, connector, connectorRefundId }
        : undefined
    } catch {
      return undefined
    }
  }
}

/** Why a search query cannot run (a malformed cursor, a limit out of range), or undefined. */
export const searchProblem = (query: SearchQuery): string | undefined => {
  if (query.limit !== undefined && (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > maxSearchLimit)) {
    return `limit must be an integer from 1 to ${maxSearchLimit}`
  }
  if (query.cursor !== undefined && searchCursor.decode(query.cursor) === undefined) return "cursor is not one a search returned"
  for (const [name, range] of [["created", query.created], ["updated", query.updated]] as const) {
    for (const bound of [range?.from, range?.to]) {
      if (bound !== undefined && !Number.isSafeInteger(bound)) return `${name} bounds must be epoch milliseconds`
    }
  }
  return undefined
}

/** The order of search results: `a` before `b` when it was updated later (then by connector and id). */
export const searchOrder = (
  a: { readonly updatedAt: number; readonly connector: string; readonly connectorRefundId: string },
  b: { readonly updatedAt: number; readonly connector: string; readonly connectorRefundId: string }
): number =>
  b.updatedAt - a.updatedAt ||
  (a.connector < b.connector ? -1 : a.connector > b.connector ? 1 : 0) ||
  (a.connectorRefundId < b.connectorRefundId ? -1 : a.connectorRefundId > b.connectorRefundId ? 1 : 0)

/** Whether a refund satisfies a query's filters (not the cursor): the memory store's search, and a reference for others. */
export const matchesSearch = (refund: Refund, query: SearchQuery): boolean => {
  const within = (value: number, range: TimeRange | undefined) =>
    range === undefined || ((range.from === undefined || value >= range.from) && (range.to === undefined || value < range.to))
  return (query.id === undefined ||
    refund.merchantRefundId === query.id || refund.connectorRefundId === query.id || refund.connectorTransactionId === query.id) &&
    (query.connector === undefined || refund.connector === query.connector) &&
    (query.statuses === undefined || query.statuses.includes(refund.status)) &&
    within(refund.createdAt, query.created) &&
    within(refund.updatedAt, query.updated)
}

export interface Store {
  /**
   * Applies one observation atomically: de-duplicate (by event id), load, fold through the state
   * machine, append to the history, write. Serialized per refund. A refund never seen before
   * (created in the processor's dashboard) is recorded, not dropped.
   */
  readonly apply: (observation: Observation) => Effect.Effect<ApplyResult, StoreError>
  readonly get: (key: RefundKey) => Effect.Effect<Option.Option<Refund>, StoreError>
  /** The refund with this merchant refund id (the most recently updated, if several connectors have one). */
  readonly getByMerchantRefundId: (
    merchantRefundId: string,
    connector?: string
  ) => Effect.Effect<Option.Option<Refund>, StoreError>
  /** Every observation of a refund, oldest first. */
  readonly history: (key: RefundKey) => Effect.Effect<ReadonlyArray<HistoryEntry>, StoreError>
  /**
   * Refunds still Pending or RequiresAction (what the tracker resumes), optionally for one connector;
   * with `succeededSince`, also Succeeded refunds whose status changed at or after that time (epoch
   * ms), which the tracker watches for reversals.
   */
  readonly listUnsettled: (
    connector?: string,
    options?: { readonly succeededSince?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<Refund>, StoreError>
  /**
   * Every refund of a connector, in a stable order (by processor refund id), read page by page: what
   * the Reconciler reads when the store is the books. Refunds recorded while the scan runs may or may
   * not be included.
   */
  readonly scan: (connector: string) => Stream.Stream<Refund, StoreError>
  /**
   * Refunds matching a query, a page at a time, most recently updated first: what support tools
   * search by (an id pasted from an e-mail, a connector, statuses, time ranges). A malformed query
   * (see {@link searchProblem}) fails with a StoreError whose operation is "search".
   */
  readonly search: (query: SearchQuery) => Effect.Effect<SearchPage, StoreError>
  /**
   * Records a create before it is sent, atomically per (connector, merchant refund id): the intent as
   * given when there is none (or the earlier create failed), else the one already recorded, whose
   * `firstAttemptAt` is when the idempotency key was really first used.
   */
  readonly beginCreate: (intent: CreateIntent) => Effect.Effect<CreateIntent, StoreError>
  /** Records how a create ended. */
  readonly endCreate: (connector: string, merchantRefundId: string, end: CreateEnd, at: number) => Effect.Effect<void, StoreError>
  readonly getCreate: (connector: string, merchantRefundId: string) => Effect.Effect<Option.Option<CreateIntent>, StoreError>
  /** Creates whose outcome is still unknown, oldest first (what a recovery job resolves). */
  readonly pendingCreates: (connector?: string) => Effect.Effect<ReadonlyArray<CreateIntent>, StoreError>
  /** Was this webhook event applied already? */
  readonly hasEvent: (connector: string, eventId: string) => Effect.Effect<boolean, StoreError>
  /**
   * Status changes committed through this store instance, from the moment the stream starts; for a
   * store shared between processes that can tell (PostgreSQL), also the other instances' changes,
   * marked `remote`.
   */
  readonly changes: Stream.Stream<Change>
  /** Like `changes`, but subscribed when the effect runs, so nothing is missed after that point. */
  readonly subscribe: Effect.Effect<PubSub.Subscription<Change>, never, Scope.Scope>
}

export class RefundStore extends Context.Service<RefundStore, Store>()("@refract/core/RefundStore") {}

/** The snapshot a refund stands for: how a refund returned by `RefundClient.create` is recorded. */
export const snapshotOf = (refund: Refund): RefundSnapshot =>
  trusted(RefundSnapshot, {
    connectorRefundId: refund.connectorRefundId,
    connectorTransactionId: refund.connectorTransactionId,
    merchantRefundId: refund.merchantRefundId,
    amount: refund.amount,
    status: refund.status,
    rawStatus: refund.rawStatus,
    reason: refund.reason,
    failure: refund.failure,
    occurredAt: refund.statusAt,
    createdAt: refund.createdAt,
    settlement: refund.settlement
  })

/** The observation that records a refund created through Refract. */
export const createdObservation = (refund: Refund, receivedAt: number, request?: CreateRefundRequest): Observation => ({
  connector: refund.connector,
  snapshot: snapshotOf(refund),
  source: "create",
  receivedAt,
  request
})

export interface Folded {
  readonly current: Refund | undefined
  readonly transition: Transition
  readonly entry: HistoryEntry
}

/**
 * The pure step every store runs inside its per-refund critical section: the state machine (through
 * `Observe.observe`) and the history entry. `sequence` is the entry's position (history length + 1).
 */
export const fold = (previous: Refund | undefined, observation: Observation, sequence: number): Folded => {
  const { snapshot } = observation
  const observed = observe({
    connector: observation.connector,
    previous,
    snapshot,
    source: observation.source,
    now: observation.receivedAt,
    observedAt: observation.observedAt,
    request: observation.request
  })
  const current = Result.isSuccess(observed) ? observed.success.refund : previous
  const transition = Result.isSuccess(observed)
    ? observed.success.transition
    : Transition.Unrecognised({ state: undefined, rawStatus: snapshot.rawStatus })
  const entry = trusted(HistoryEntry, {
    connector: observation.connector,
    connectorRefundId: snapshot.connectorRefundId,
    sequence,
    source: observation.source,
    eventId: observation.eventId,
    receivedAt: observation.receivedAt,
    rawStatus: snapshot.rawStatus,
    observedStatus: snapshot.status,
    transition: transition._tag,
    statusBefore: previous?.status,
    statusAfter: current?.status,
    occurredAt: snapshot.occurredAt ?? observation.observedAt ?? observation.receivedAt,
    snapshot
  })
  return { current, transition, entry }
}

/** The state a history stands for: its observations folded again (equal to the stored status). */
export const replayHistory = (history: ReadonlyArray<HistoryEntry>): State | undefined =>
  replay(history.map((e) => ({
    status: e.observedStatus,
    rawStatus: e.rawStatus,
    source: e.source,
    at: e.occurredAt ?? e.receivedAt,
    failure: e.snapshot.failure
  })))

/** The change to publish for a folded observation: only when the status moved (or a refund appeared). */
export const changeOf = (previous: Refund | undefined, folded: Folded): Change | undefined =>
  folded.transition._tag === "Applied" && folded.current !== undefined
    ? { previous, current: folded.current, entry: folded.entry }
    : undefined

/** Pending or RequiresAction: the processor has not decided yet. */
export const isUnsettled = (refund: Refund): boolean => !isSettled(refund.status)

/** What `listUnsettled` returns: unsettled, or succeeded at or after `succeededSince`. */
export const isListedUnsettled = (refund: Refund, succeededSince: number | undefined): boolean =>
  isUnsettled(refund) || (succeededSince !== undefined && refund.status === "Succeeded" && refund.updatedAt >= succeededSince)

/** The shared change hub of a store implementation: an unbounded PubSub, so publishing never blocks a write. */
export const makeChangeHub: Effect.Effect<
  {
    readonly publish: (change: Change) => Effect.Effect<void>
    readonly changes: Stream.Stream<Change>
    readonly subscribe: Effect.Effect<PubSub.Subscription<Change>, never, Scope.Scope>
  },
  never,
  Scope.Scope
> = Effect.gen(function*() {
  const pubsub = yield* PubSub.unbounded<Change>()
  yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
  return {
    publish: (change) => Effect.asVoid(PubSub.publish(pubsub, change)),
    changes: Stream.fromPubSub(pubsub),
    subscribe: PubSub.subscribe(pubsub)
  }
})

/** Codecs for implementations that persist refunds and entries as JSON. */
export const encodeRefund = Schema.encodeSync(Refund)
export const decodeRefund = Schema.decodeUnknownSync(Refund)
export const encodeEntry = Schema.encodeSync(HistoryEntry)
export const decodeEntry = Schema.decodeUnknownSync(HistoryEntry)
export const encodeIntent = Schema.encodeSync(CreateIntent)
export const decodeIntent = Schema.decodeUnknownSync(CreateIntent)

/** The intent after `beginCreate` finds `existing`: kept, unless the earlier create failed. */
export const beginOver = (existing: CreateIntent | undefined, intent: CreateIntent): CreateIntent =>
  existing === undefined || existing.state === "Failed" ? intent : existing

/** The intent after `endCreate`. */
export const endOf = (intent: CreateIntent, end: CreateEnd, at: number): CreateIntent =>
  new CreateIntent({
    ...intent,
    state: end.state,
    connectorRefundId: end.state === "Created" ? end.connectorRefundId : intent.connectorRefundId,
    updatedAt: at
  }, { disableChecks: true })

/** Records a refund created through Refract (from `RefundClient.create` / `RefundService.create`). */
export const recordCreated = (
  refund: Refund,
  options?: { readonly receivedAt?: number | undefined; readonly request?: CreateRefundRequest | undefined }
): Effect.Effect<ApplyResult, StoreError, RefundStore> =>
  Effect.gen(function*() {
    const store = yield* RefundStore
    const receivedAt = options?.receivedAt ?? (yield* Clock.currentTimeMillis)
    return yield* store.apply(createdObservation(refund, receivedAt, options?.request))
  })
