/**
 * The behaviour every `RefundStore` implementation must have, written once and run against each
 * implementation (`MemoryRefundStore` in core, `PgRefundStore` in `@refract/store-pg`, yours).
 *
 *   for (const c of RefundStoreConformance.cases()) {
 *     it.effect(c.name, () => c.run.pipe(Effect.provide(MyStore.layer)))
 *   }
 *
 * Cases are test-framework agnostic: each is an Effect that fails (dies) with an assertion error.
 * Every case uses its own connector id, so cases may share one store. Includes the race cases: a
 * webhook and a poll applied concurrently to the same refund, many rounds over.
 */
import { Effect, Option, PubSub, Stream } from "effect"
import * as Money from "../money/Money.ts"
import { CreateRefundRequest, RefundSnapshot, Settlement } from "../refund/Refund.ts"
import type { Refund } from "../refund/Refund.ts"
import type { ObservedStatus } from "../refund/RefundStatus.ts"
import type { ApplyResult, HistoryEntry, Observation, SearchQuery, Source } from "./RefundStore.ts"
import { CreateIntent, matchesSearch, maxSearchLimit, RefundStore, replayHistory, searchOrder } from "./RefundStore.ts"

export interface Case {
  readonly name: string
  readonly run: Effect.Effect<void, unknown, RefundStore>
}

export interface Options {
  /** Rounds of the webhook-versus-poll race (default 200). */
  readonly raceRounds?: number | undefined
  /** Rounds of the same-delivery-twice race (default 50). */
  readonly duplicateRounds?: number | undefined
  /** Concurrent observations on one refund in the pile-up case (default 24). */
  readonly pileUp?: number | undefined
  /** Receives counts from the race and ordering cases, for reports. */
  readonly report?: ((caseName: string, counts: Readonly<Record<string, number>>) => void) | undefined
}

class AssertionFailed extends Error {
  override readonly name = "AssertionFailed"
}

const check = (condition: boolean, message: string): Effect.Effect<void> =>
  condition ? Effect.void : Effect.die(new AssertionFailed(message))

const equal = <A>(actual: A, expected: A, what: string): Effect.Effect<void> =>
  check(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)

let counter = 0
const uniqueConnector = (name: string) => `conf-${name}-${Date.now().toString(36)}-${(counter++).toString(36)}`

const rawOf: Record<ObservedStatus, string> = {
  Pending: "pending",
  RequiresAction: "requires_action",
  Succeeded: "succeeded",
  Failed: "failed",
  Cancelled: "canceled",
  Reversed: "reversed",
  Unknown: "mystery_status"
}

const snapshot = (
  id: string,
  status: ObservedStatus,
  extra: Partial<{ merchantRefundId: string; occurredAt: number; rawStatus: string }> = {}
) =>
  new RefundSnapshot({
    connectorRefundId: id,
    connectorTransactionId: "pay_1",
    merchantRefundId: extra.merchantRefundId,
    amount: Money.make(1050, "USD"),
    status,
    rawStatus: extra.rawStatus ?? rawOf[status],
    occurredAt: extra.occurredAt
  })

const observation = (
  connector: string,
  id: string,
  status: ObservedStatus,
  source: Source,
  extra: Partial<{ eventId: string; merchantRefundId: string; occurredAt: number; receivedAt: number; rawStatus: string }> = {}
): Observation => ({
  connector,
  snapshot: snapshot(id, status, extra),
  source,
  eventId: extra.eventId,
  receivedAt: extra.receivedAt ?? 1_700_000_000_000
})

const observed = (result: ApplyResult) => {
  if (result._tag !== "Observed") throw new AssertionFailed(`expected an Observed result, got ${result._tag}`)
  return result
}

const current = (connector: string, id: string) =>
  Effect.gen(function*() {
    const store = yield* RefundStore
    const found = yield* store.get({ connector, connectorRefundId: id })
    if (Option.isNone(found)) return yield* Effect.die(new AssertionFailed(`no current state for ${connector}/${id}`))
    return found.value
  })

const historyOf = (connector: string, id: string) =>
  Effect.gen(function*() {
    const store = yield* RefundStore
    return yield* store.history({ connector, connectorRefundId: id })
  })

/** Starts `effect` after a random number (0 to 3) of scheduler yields, to vary who wins a race. */
const jitter = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    let delayed: Effect.Effect<A, E, R> = effect
    for (let i = Math.floor(Math.random() * 4); i > 0; i--) delayed = Effect.andThen(Effect.yieldNow, delayed)
    return delayed
  })

/** Sequences are 1..n without gaps, and replaying the history gives the current status. */
const checkConsistent = (refund: Refund | undefined, history: ReadonlyArray<HistoryEntry>, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < history.length; i++) yield* equal(history[i]!.sequence, i + 1, `${what}: sequence of entry ${i}`)
    for (let i = 1; i < history.length; i++) {
      yield* equal(history[i]!.statusBefore, history[i - 1]!.statusAfter, `${what}: entry ${i + 1} starts where entry ${i} ended`)
    }
    const replayed = replayHistory(history)
    yield* equal(replayed?.status, refund?.status, `${what}: replayed history matches the current status`)
  })

export const cases = (options: Options = {}): ReadonlyArray<Case> => {
  const raceRounds = options.raceRounds ?? 200
  const duplicateRounds = options.duplicateRounds ?? 50
  const pileUp = options.pileUp ?? 24
  const report = options.report ?? (() => {})

  return [
    {
      name: "scan reads every refund of one connector, in processor id order, across pages",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("scan")
        const other = uniqueConnector("scan-other")
        // More than one page of a paging implementation (store-pg reads 1,000 at a time).
        const ids = Array.from({ length: 1_205 }, (_, i) => `re_${String((i * 7919) % 1_205).padStart(5, "0")}`)
        yield* Effect.forEach(ids, (id) => store.apply(observation(c, id, "Succeeded", "poll")), { concurrency: 8, discard: true })
        yield* store.apply(observation(other, "re_00001", "Pending", "poll"))
        const scanned = yield* Stream.runCollect(store.scan(c))
        yield* equal(scanned.length, ids.length, "every refund once")
        yield* equal(scanned.every((r) => r.connector === c), true, "only this connector")
        const sorted = [...ids].sort()
        yield* equal(scanned.map((r) => r.connectorRefundId).join(","), sorted.join(","), "in processor id order")
        yield* equal((yield* Stream.runCollect(store.scan(uniqueConnector("scan-none")))).length, 0, "no refunds")
      })
    },
    {
      name: "search finds by any id, filters, and pages newest update first without gaps or repeats",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("search")
        const statuses: ReadonlyArray<ObservedStatus> = ["Pending", "Succeeded", "Failed", "RequiresAction"]
        // 130 refunds; updates at 40 distinct times, so many tie and the tie-break is exercised.
        yield* Effect.forEach(Array.from({ length: 130 }, (_, i) => i), (i) =>
          store.apply({
            connector: c,
            snapshot: new RefundSnapshot({
              connectorRefundId: `re_${c}_${i}`,
              connectorTransactionId: `pay_${c}_${i % 11}`,
              merchantRefundId: i % 3 === 0 ? `order-${c}-${i}` : undefined,
              amount: Money.make(100 + i, "EUR"),
              status: statuses[i % statuses.length]!,
              rawStatus: rawOf[statuses[i % statuses.length]!],
              occurredAt: 1_700_000_000_000 + (i % 40) * 1000,
              createdAt: 1_699_000_000_000 + i * 1000
            }),
            source: "poll",
            receivedAt: 1_700_000_000_000 + (i % 40) * 1000
          }), { concurrency: 8, discard: true })
        const all = yield* Stream.runCollect(store.scan(c))
        yield* equal(all.length, 130, "stored")
        const walk = (query: SearchQuery) =>
          Effect.gen(function*() {
            const seen: Array<string> = []
            let cursor: string | undefined
            for (let pages = 0; pages < 100; pages++) {
              const page = yield* store.search({ ...query, ...(cursor !== undefined ? { cursor } : {}), limit: 7 })
              for (const r of page.refunds) seen.push(r.connectorRefundId)
              if (page.refunds.length > 7) throw new AssertionFailed("a page longer than its limit")
              if (page.next === undefined) return seen
              cursor = page.next
            }
            throw new AssertionFailed("search pages never end")
          })
        const mid = all[60]!
        const queries: ReadonlyArray<readonly [string, SearchQuery]> = [
          ["connector", { connector: c }],
          ["statuses", { connector: c, statuses: ["Pending", "RequiresAction"] }],
          ["merchant refund id", { id: `order-${c}-9` }],
          ["processor refund id", { id: `re_${c}_17` }],
          ["payment id", { id: `pay_${c}_4` }],
          ["payment id and status", { id: `pay_${c}_4`, statuses: ["Succeeded"] }],
          ["created range", { connector: c, created: { from: mid.createdAt, to: mid.createdAt + 25_000 } }],
          ["updated range", { connector: c, updated: { from: mid.updatedAt } }],
          ["nothing", { id: `re_${c}_missing` }]
        ]
        for (const [name, query] of queries) {
          const expected = all.filter((r) => matchesSearch(r, query)).toSorted(searchOrder).map((r) => r.connectorRefundId)
          yield* equal((yield* walk(query)).join(","), expected.join(","), `${name}: every match once, newest update first, across pages`)
          const whole = yield* store.search({ ...query, limit: maxSearchLimit })
          yield* equal(whole.refunds.map((r) => r.connectorRefundId).join(","), expected.join(","), `${name}: one page`)
          yield* equal(whole.next, undefined, `${name}: no further page`)
        }
        yield* equal(expectedNonEmpty(all, c), true, "the queries above found something")
        for (const bad of [{ cursor: "not-a-cursor" }, { limit: 0 }, { limit: maxSearchLimit + 1 }, { created: { from: 1.5 } }] as const) {
          const failed = yield* Effect.flip(store.search({ connector: c, ...bad }))
          yield* equal(failed.operation, "search", `refused: ${JSON.stringify(bad)}`)
        }
      })
    },
    {
      name: "a reconcile observation goes through the state machine and keeps settlement evidence",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("reconcile")
        yield* store.apply(observation(c, "re_r", "Succeeded", "webhook", { occurredAt: 2_000_000 }))
        const listed = new RefundSnapshot({
          ...snapshot("re_r", "Pending", { occurredAt: 1_000_000 }),
          settlement: new Settlement({ traceReference: "74610000000000000000001", traceReferenceType: "arn", batchId: "42" })
        })
        const stale = observed(yield* store.apply({ connector: c, snapshot: listed, source: "reconcile", receivedAt: 3_000_000 }))
        yield* equal(stale.transition._tag, "Stale", "an older pending row never moves a succeeded refund back")
        const refund = yield* current(c, "re_r")
        yield* equal(refund.status, "Succeeded", "status")
        yield* equal(refund.settlement?.traceReference, "74610000000000000000001", "trace reference kept")
        yield* equal(refund.settlement?.batchId, "42", "batch kept")
        const history = yield* historyOf(c, "re_r")
        yield* equal(history.at(-1)?.source, "reconcile", "source recorded")
        yield* checkConsistent(refund, history, "reconcile")
      })
    },
    {
      name: "records a created refund and reads it back by key and by merchant refund id",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("create")
        const result = observed(yield* store.apply(observation(c, "re_1", "Pending", "create", { merchantRefundId: "order-1" })))
        yield* equal(result.previous, undefined, "previous")
        yield* equal(result.transition._tag, "Applied", "transition")
        const byKey = yield* current(c, "re_1")
        yield* equal(byKey.status, "Pending", "status")
        yield* equal(byKey.merchantRefundId, "order-1", "merchant refund id")
        yield* equal(byKey.amount?.amount, 1050, "amount")
        const byMerchant = yield* store.getByMerchantRefundId("order-1", c)
        yield* equal(Option.map(byMerchant, (r) => r.connectorRefundId).pipe(Option.getOrUndefined), "re_1", "by merchant id")
        yield* equal(Option.isNone(yield* store.getByMerchantRefundId("order-unknown", c)), true, "unknown merchant id")
        yield* equal(Option.isNone(yield* store.get({ connector: c, connectorRefundId: "re_missing" })), true, "unknown key")
      })
    },
    {
      name: "appends every observation to the history with its source, time, raw status and transition",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("history")
        yield* store.apply(observation(c, "re_h", "Pending", "create", { receivedAt: 1000 }))
        yield* store.apply(observation(c, "re_h", "Pending", "poll", { receivedAt: 2000 }))
        yield* store.apply(observation(c, "re_h", "Succeeded", "webhook", { receivedAt: 3000, eventId: "evt_h1" }))
        const history = yield* historyOf(c, "re_h")
        yield* equal(history.length, 3, "history length")
        yield* equal(history.map((e) => e.source).join(","), "create,poll,webhook", "sources")
        yield* equal(history.map((e) => e.transition).join(","), "Applied,Unchanged,Applied", "transitions")
        yield* equal(history.map((e) => e.rawStatus).join(","), "pending,pending,succeeded", "raw statuses")
        yield* equal(history.map((e) => e.receivedAt).join(","), "1000,2000,3000", "times")
        yield* equal(history[2]!.eventId, "evt_h1", "event id")
        yield* equal(history[2]!.statusBefore, "Pending", "status before")
        yield* equal(history[2]!.statusAfter, "Succeeded", "status after")
        yield* equal(history[2]!.snapshot.connectorRefundId, "re_h", "snapshot kept")
        const refund = yield* current(c, "re_h")
        yield* equal(refund.updatedAt, 3000, "updatedAt is the time of the last change")
        yield* checkConsistent(refund, history, "history")
      })
    },
    {
      name: "an event for a refund never seen (created in the dashboard) is recorded, not dropped",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("unknown")
        const first = observed(yield* store.apply(observation(c, "re_dash", "Pending", "webhook", { eventId: "evt_d1" })))
        yield* equal(first.previous, undefined, "previous")
        yield* equal(first.current?.status, "Pending", "recorded status")
        yield* equal((yield* store.listUnsettled(c)).length, 1, "listed as unsettled")
        yield* store.apply(observation(c, "re_dash", "Succeeded", "webhook", { eventId: "evt_d2" }))
        yield* equal((yield* current(c, "re_dash")).status, "Succeeded", "settled")
        yield* equal((yield* store.listUnsettled(c)).length, 0, "no longer unsettled")
      })
    },
    {
      name: "out of order: a pending event after a succeeded one is Stale and moves nothing",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("order")
        yield* store.apply(observation(c, "re_o", "Pending", "create", { occurredAt: 100_000 }))
        yield* store.apply(observation(c, "re_o", "Succeeded", "webhook", { eventId: "evt_o2", occurredAt: 300_000 }))
        const late = observed(yield* store.apply(observation(c, "re_o", "Pending", "webhook", { eventId: "evt_o1", occurredAt: 200_000 })))
        yield* equal(late.transition._tag, "Stale", "late pending")
        yield* equal(late.current?.status, "Succeeded", "still succeeded")
        // Same rank, older processor time: RequiresAction at 50 s after Pending at 100 s is stale too.
        yield* store.apply(observation(c, "re_o2", "Pending", "create", { occurredAt: 100_000 }))
        const older = observed(yield* store.apply(observation(c, "re_o2", "RequiresAction", "webhook", { eventId: "evt_o3", occurredAt: 50_000 })))
        yield* equal(older.transition._tag, "Stale", "older same-rank event")
        const history = yield* historyOf(c, "re_o")
        yield* equal(history.length, 3, "stale observation is in the history")
        yield* equal(history[2]!.transition, "Stale", "recorded as stale")
        report("out-of-order", { cases: 2, stale: 2 })
      })
    },
    {
      name: "duplicate deliveries (same connector and event id) are applied once",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("dup")
        yield* store.apply(observation(c, "re_d", "Pending", "create"))
        yield* equal(yield* store.hasEvent(c, "evt_1"), false, "not seen yet")
        const first = yield* store.apply(observation(c, "re_d", "Succeeded", "webhook", { eventId: "evt_1" }))
        const second = yield* store.apply(observation(c, "re_d", "Succeeded", "webhook", { eventId: "evt_1" }))
        yield* equal(first._tag, "Observed", "first delivery")
        yield* equal(second._tag, "Duplicate", "redelivery")
        yield* equal(second._tag === "Duplicate" ? second.current?.status : undefined, "Succeeded", "duplicate reports the current state")
        yield* equal(yield* store.hasEvent(c, "evt_1"), true, "seen")
        yield* equal(yield* store.hasEvent(uniqueConnector("other"), "evt_1"), false, "event ids are per connector")
        yield* equal((yield* historyOf(c, "re_d")).length, 2, "history has no duplicate entry")
        // A redelivered failure after success must not reverse twice, nor at all when it is the same event.
        const failed = yield* store.apply(observation(c, "re_d", "Failed", "webhook", { eventId: "evt_1" }))
        yield* equal(failed._tag, "Duplicate", "same event id with other content is still a duplicate")
        yield* equal((yield* current(c, "re_d")).status, "Succeeded", "state untouched")
      })
    },
    {
      name: "an unrecognised status keeps the known state; for an unknown refund it is still recorded",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("unrec")
        yield* store.apply(observation(c, "re_u", "Pending", "create"))
        const r = observed(yield* store.apply(observation(c, "re_u", "Unknown", "poll")))
        yield* equal(r.transition._tag, "Unrecognised", "transition")
        const refund = yield* current(c, "re_u")
        yield* equal(refund.status, "Pending", "kept")
        yield* equal(refund.unrecognisedStatus, "mystery_status", "flagged")
        const fresh = observed(yield* store.apply(observation(c, "re_u2", "Unknown", "webhook", { eventId: "evt_u" })))
        yield* equal(fresh.current, undefined, "no state for an unknown refund with an unknown status")
        const history = yield* historyOf(c, "re_u2")
        yield* equal(history.length, 1, "but the observation is in the history")
        yield* equal(history[0]!.rawStatus, "mystery_status", "raw status kept")
        yield* equal(yield* store.hasEvent(c, "evt_u"), true, "and the event is de-duplicated")
        // A later recognised status then applies.
        yield* store.apply(observation(c, "re_u2", "Succeeded", "webhook", { eventId: "evt_u2" }))
        yield* equal((yield* current(c, "re_u2")).status, "Succeeded", "recognised later")
        yield* equal((yield* historyOf(c, "re_u2")).length, 2, "two entries")
      })
    },
    {
      name: "succeeded then failed is a reversal; terminal states absorb later events",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("reversal")
        yield* store.apply(observation(c, "re_r", "Pending", "create"))
        yield* store.apply(observation(c, "re_r", "Succeeded", "webhook", { eventId: "e1" }))
        const failed = observed(yield* store.apply(observation(c, "re_r", "Failed", "webhook", { eventId: "e2" })))
        yield* equal(failed.transition._tag, "Applied", "applied")
        yield* equal(failed.current?.status, "Reversed", "reversed")
        yield* equal(failed.current?.rawStatus, "failed", "raw status of the reversal")
        const after = observed(yield* store.apply(observation(c, "re_r", "Succeeded", "poll")))
        yield* equal(after.transition._tag, "Stale", "a late success after a reversal is stale")
        yield* equal((yield* current(c, "re_r")).status, "Reversed", "still reversed")
        const cancelled = observed(yield* store.apply(observation(c, "re_r2", "Succeeded", "create")))
        yield* equal(cancelled.current?.status, "Succeeded", "created succeeded")
        const rejected = observed(yield* store.apply(observation(c, "re_r2", "Cancelled", "webhook", { eventId: "e3" })))
        yield* equal(rejected.transition._tag, "Rejected", "cancel after success is rejected")
        report("reversal-and-terminal", { cases: 3, reversed: 1, stale: 1, rejected: 1 })
      })
    },
    {
      name: "lists unsettled refunds (Pending, RequiresAction) per connector",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("list")
        const other = uniqueConnector("list-other")
        yield* store.apply(observation(c, "re_l1", "Pending", "create"))
        yield* store.apply(observation(c, "re_l2", "RequiresAction", "create"))
        yield* store.apply(observation(c, "re_l3", "Succeeded", "create"))
        yield* store.apply(observation(c, "re_l4", "Failed", "create"))
        yield* store.apply(observation(other, "re_l5", "Pending", "create"))
        const listed = (yield* store.listUnsettled(c)).map((r) => r.connectorRefundId).toSorted()
        yield* equal(listed.join(","), "re_l1,re_l2", "unsettled")
        const everywhere = (yield* store.listUnsettled()).filter((r) => r.connector === c || r.connector === other)
        yield* equal(everywhere.length, 3, "unsettled across connectors")
      })
    },
    {
      name: "lists succeeded refunds since a time with the unsettled ones, for reversal watching",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("watch")
        yield* store.apply(observation(c, "re_w1", "Pending", "create", { receivedAt: 1_000 }))
        yield* store.apply(observation(c, "re_w2", "Succeeded", "create", { receivedAt: 1_000 }))
        yield* store.apply(observation(c, "re_w3", "Succeeded", "create", { receivedAt: 5_000 }))
        yield* store.apply(observation(c, "re_w4", "Failed", "create", { receivedAt: 5_000 }))
        const ids = (since?: number) =>
          store.listUnsettled(c, { succeededSince: since }).pipe(Effect.map((all) => all.map((r) => r.connectorRefundId).toSorted().join(",")))
        yield* equal(yield* ids(), "re_w1", "without a time: unsettled only")
        yield* equal(yield* ids(5_000), "re_w1,re_w3", "succeeded at or after 5000")
        yield* equal(yield* ids(5_001), "re_w1", "none succeeded after 5000")
        yield* equal(yield* ids(0), "re_w1,re_w2,re_w3", "every succeeded one since 0, never a failed one")
      })
    },
    {
      name: "create intents: the key's first use survives; a failed create may begin again; pending ones are listed",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("intent")
        const request = new CreateRefundRequest({
          merchantRefundId: "order-intent-1" as CreateRefundRequest["merchantRefundId"],
          connectorTransactionId: "pay_1",
          amount: Money.make(1050, "USD")
        })
        const intent = (merchantRefundId: string, firstAttemptAt: number) =>
          new CreateIntent({
            connector: c,
            merchantRefundId,
            idempotencyKey: `refract-${merchantRefundId}`,
            firstAttemptAt,
            state: "Pending",
            request,
            updatedAt: firstAttemptAt
          })
        yield* equal(Option.isNone(yield* store.getCreate(c, "m1")), true, "nothing recorded yet")
        const first = yield* store.beginCreate(intent("m1", 1_000))
        yield* equal(first.firstAttemptAt, 1_000, "recorded as given")
        const again = yield* store.beginCreate(intent("m1", 9_000))
        yield* equal(again.firstAttemptAt, 1_000, "a later begin keeps the first use of the key")
        yield* equal(again.request.amount?.amount, 1050, "the request is kept")
        yield* store.beginCreate(intent("m2", 500))
        yield* store.beginCreate(intent("m3", 2_000))
        yield* equal((yield* store.pendingCreates(c)).map((i) => i.merchantRefundId).join(","), "m2,m1,m3", "pending, oldest first")
        yield* store.endCreate(c, "m1", { state: "Created", connectorRefundId: "re_m1" }, 3_000)
        const created = yield* store.getCreate(c, "m1")
        yield* equal(Option.isSome(created) ? `${created.value.state}/${created.value.connectorRefundId}/${created.value.updatedAt}` : "none", "Created/re_m1/3000", "ended as created")
        yield* equal((yield* store.beginCreate(intent("m1", 9_000))).state, "Created", "a created intent is kept")
        yield* store.endCreate(c, "m2", { state: "Failed" }, 3_000)
        const retried = yield* store.beginCreate(intent("m2", 7_000))
        yield* equal(`${retried.state}/${retried.firstAttemptAt}`, "Pending/7000", "a failed create begins again")
        yield* equal((yield* store.pendingCreates(c)).map((i) => i.merchantRefundId).join(","), "m3,m2", "created ones are not pending")
        yield* equal((yield* store.pendingCreates(uniqueConnector("intent-other"))).length, 0, "per connector")
        yield* store.endCreate(c, "never-begun", { state: "Failed" }, 1)
        yield* equal(Option.isNone(yield* store.getCreate(c, "never-begun")), true, "ending an unknown create records nothing")
      })
    },
    {
      name: "race: concurrent begins of one create agree on one first use of the key",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("intent-race")
        const request = new CreateRefundRequest({
          merchantRefundId: "order-race-1" as CreateRefundRequest["merchantRefundId"],
          connectorTransactionId: "pay_1",
          amount: Money.make(100, "USD")
        })
        for (let round = 0; round < 20; round++) {
          const id = `m${round}`
          const results = yield* Effect.forEach(
            [1, 2, 3, 4, 5, 6],
            (n) =>
              jitter(store.beginCreate(new CreateIntent({
                connector: c,
                merchantRefundId: id,
                idempotencyKey: `k-${id}`,
                firstAttemptAt: n * 1_000,
                state: "Pending",
                request,
                updatedAt: n * 1_000
              }))),
            { concurrency: "unbounded" }
          )
          const firsts = new Set(results.map((r) => r.firstAttemptAt))
          yield* equal(firsts.size, 1, `round ${round}: every begin sees the same first use`)
          const stored = yield* store.getCreate(c, id)
          yield* equal(Option.isSome(stored) ? stored.value.firstAttemptAt : -1, results[0]!.firstAttemptAt, `round ${round}: stored`)
        }
      })
    },
    {
      name: "publishes committed status changes, not unchanged, stale or duplicate observations",
      run: Effect.scoped(Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("changes")
        const subscription = yield* store.subscribe
        yield* store.apply(observation(c, "re_c", "Pending", "create"))
        yield* store.apply(observation(c, "re_c", "Pending", "poll"))
        yield* store.apply(observation(c, "re_c", "Succeeded", "webhook", { eventId: "ce1" }))
        yield* store.apply(observation(c, "re_c", "Succeeded", "webhook", { eventId: "ce1" }))
        yield* store.apply(observation(c, "re_c", "Pending", "poll"))
        yield* store.apply(observation(c, "re_c", "Failed", "webhook", { eventId: "ce2" }))
        // Changes are published once the write is committed, before `apply` returns.
        const pending = yield* PubSub.remaining(subscription)
        const taken = yield* PubSub.takeUpTo(subscription, pending)
        const seen = taken
          .filter((change) => change.current.connector === c)
          .map((change) => `${change.previous?.status ?? "-"}>${change.current.status}:${change.entry.source}`)
        yield* equal(seen.join(" "), "->Pending:create Pending>Succeeded:webhook Succeeded>Reversed:webhook", "changes")
      }))
    },
    {
      name: "race: a webhook and a poll applied concurrently to one refund never lose an update",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("race")
        let webhookFirst = 0
        let pollFirst = 0
        for (let round = 0; round < raceRounds; round++) {
          const id = `re_race_${round}`
          yield* store.apply(observation(c, id, "Pending", "create", { receivedAt: 1000 }))
          // The poll says RequiresAction (same rank as Pending), the webhook says Succeeded. If the
          // poll's write were based on a read from before the webhook's write (a lost update), the
          // refund would end RequiresAction; serialized, it always ends Succeeded.
          const webhook = jitter(store.apply(observation(c, id, "Succeeded", "webhook", { eventId: `evt_race_${round}`, receivedAt: 2000 })))
          const poll = jitter(store.apply(observation(c, id, "RequiresAction", "poll", { receivedAt: 2000 })))
          yield* Effect.all(round % 2 === 0 ? [webhook, poll] : [poll, webhook], { concurrency: "unbounded" })
          const refund = yield* current(c, id)
          const history = yield* historyOf(c, id)
          yield* equal(refund.status, "Succeeded", `round ${round}: final status`)
          yield* equal(history.length, 3, `round ${round}: history length`)
          yield* checkConsistent(refund, history, `round ${round}`)
          if (history[1]!.source === "webhook") {
            webhookFirst++
            yield* equal(history[2]!.transition, "Stale", `round ${round}: the poll after the webhook is stale`)
          } else {
            pollFirst++
            yield* equal(history[2]!.transition, "Applied", `round ${round}: the webhook after the poll applies`)
          }
        }
        report("race webhook vs poll", { rounds: raceRounds, webhookFirst, pollFirst, lostUpdates: 0 })
      })
    },
    {
      name: "race: the same delivery twice at once is applied exactly once",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("race-dup")
        for (let round = 0; round < duplicateRounds; round++) {
          const id = `re_dup_${round}`
          yield* store.apply(observation(c, id, "Pending", "create"))
          const results = yield* Effect.all([
            jitter(store.apply(observation(c, id, "Succeeded", "webhook", { eventId: `evt_dup_${round}` }))),
            jitter(store.apply(observation(c, id, "Succeeded", "webhook", { eventId: `evt_dup_${round}` })))
          ], { concurrency: "unbounded" })
          const tags = results.map((r) => r._tag).toSorted().join(",")
          yield* equal(tags, "Duplicate,Observed", `round ${round}: one applied, one duplicate`)
          yield* equal((yield* historyOf(c, id)).length, 2, `round ${round}: history length`)
        }
        report("race duplicate deliveries", { rounds: duplicateRounds, appliedOnce: duplicateRounds })
      })
    },
    {
      name: "race: many concurrent observations on one refund are all recorded, in a consistent order",
      run: Effect.gen(function*() {
        const store = yield* RefundStore
        const c = uniqueConnector("pileup")
        yield* store.apply(observation(c, "re_pile", "Pending", "create"))
        const statuses: ReadonlyArray<ObservedStatus> = ["Pending", "RequiresAction", "Succeeded", "Pending", "Unknown", "Failed"]
        yield* Effect.forEach(
          Array.from({ length: pileUp }, (_, i) => i),
          (i) =>
            jitter(store.apply(observation(c, "re_pile", statuses[i % statuses.length]!, i % 2 === 0 ? "webhook" : "poll", {
              ...(i % 2 === 0 ? { eventId: `evt_pile_${i}` } : {}),
              receivedAt: 5000 + i
            }))),
          { concurrency: "unbounded", discard: true }
        )
        const refund = yield* current(c, "re_pile")
        const history = yield* historyOf(c, "re_pile")
        yield* equal(history.length, pileUp + 1, "every observation recorded")
        yield* checkConsistent(refund, history, "pile-up")
        report("race pile-up", { observations: pileUp, recorded: history.length - 1 })
      })
    }
  ]
}

/** The search case's queries are only meaningful when its fixtures match something. */
const expectedNonEmpty = (all: ReadonlyArray<{ readonly merchantRefundId?: string | undefined }>, c: string): boolean =>
  all.some((r) => r.merchantRefundId === `order-${c}-9`)
