/**
 * The default, embedded `RefundStore`: everything in this process's memory.
 *
 * Updates to one refund are serialized by a per-refund lock, so concurrent webhooks and polls never
 * lose an update. "Durable" here means durable for the life of the process: a restart forgets
 * everything, so use `@refract/store-pg` where refunds must survive restarts.
 */
import { Effect, Layer, Option, Semaphore, Stream } from "effect"
import type { Refund } from "../refund/Refund.ts"
import type { ApplyResult as ApplyResultType, CreateIntent, HistoryEntry, Observation, RefundKey, Store } from "./RefundStore.ts"
import {
  ApplyResult,
  RefundStore,
  StoreError,
  beginOver,
  changeOf,
  defaultSearchLimit,
  endOf,
  fold,
  isListedUnsettled,
  keyString,
  makeChangeHub,
  matchesSearch,
  searchCursor,
  searchOrder,
  searchProblem
} from "./RefundStore.ts"

interface Row {
  current: Refund | undefined
  readonly history: Array<HistoryEntry>
}

const eventKey = (connector: string, eventId: string) => `${connector}\u0000${eventId}`

/** Builds an in-memory store; it lives as long as the scope. */
export const make = Effect.gen(function*() {
  const hub = yield* makeChangeHub
  const rows = new Map<string, Row>()
  const events = new Set<string>()
  const intents = new Map<string, CreateIntent>()
  const locks = new Map<string, Semaphore.Semaphore>()

  const lockFor = (key: string): Semaphore.Semaphore => {
    let lock = locks.get(key)
    if (lock === undefined) {
      lock = Semaphore.makeUnsafe(1)
      locks.set(key, lock)
    }
    return lock
  }

  const apply = (observation: Observation): Effect.Effect<ApplyResultType> => {
    const key = keyString({ connector: observation.connector, connectorRefundId: observation.snapshot.connectorRefundId })
    return lockFor(key).withPermits(1)(
      Effect.gen(function*() {
        const row = rows.get(key)
        const previous = row?.current
        // Give other fibers a turn between the read and the write, as any real store's I/O would:
        // the lock, not the absence of an async boundary, is what keeps updates from being lost.
        yield* Effect.yieldNow
        if (observation.eventId !== undefined) {
          const ek = eventKey(observation.connector, observation.eventId)
          if (events.has(ek)) {
            return ApplyResult.Duplicate({ connector: observation.connector, eventId: observation.eventId, current: previous })
          }
          events.add(ek)
        }
        const folded = fold(previous, observation, (row?.history.length ?? 0) + 1)
        if (row === undefined) rows.set(key, { current: folded.current, history: [folded.entry] })
        else {
          row.current = folded.current
          row.history.push(folded.entry)
        }
        const change = changeOf(previous, folded)
        if (change !== undefined) yield* hub.publish(change)
        return ApplyResult.Observed({ previous, current: folded.current, transition: folded.transition, entry: folded.entry })
      })
    )
  }

  const all = () => [...rows.values()].flatMap((r) => (r.current === undefined ? [] : [r.current]))

  const store: Store = {
    apply,
    get: (key: RefundKey) => Effect.sync(() => Option.fromNullishOr(rows.get(keyString(key))?.current)),
    getByMerchantRefundId: (merchantRefundId, connector) =>
      Effect.sync(() => {
        const found = all()
          .filter((r) => r.merchantRefundId === merchantRefundId && (connector === undefined || r.connector === connector))
          .toSorted((a, b) => b.updatedAt - a.updatedAt)
        return Option.fromNullishOr(found[0])
      }),
    history: (key) => Effect.sync(() => [...(rows.get(keyString(key))?.history ?? [])]),
    listUnsettled: (connector, options) =>
      Effect.sync(() =>
        all().filter((r) => isListedUnsettled(r, options?.succeededSince) && (connector === undefined || r.connector === connector))
      ),
    scan: (connector) =>
      Stream.suspend(() =>
        Stream.fromIterable(
          all().filter((r) => r.connector === connector).toSorted((a, b) => (a.connectorRefundId < b.connectorRefundId ? -1 : a.connectorRefundId > b.connectorRefundId ? 1 : 0))
        )
      ),
    search: (query) =>
      Effect.gen(function*() {
        const problem = searchProblem(query)
        if (problem !== undefined) return yield* new StoreError({ operation: "search", message: `refund search: ${problem}` })
        const after = query.cursor === undefined ? undefined : searchCursor.decode(query.cursor)
        const limit = query.limit ?? defaultSearchLimit
        const found = all()
          .filter((r) => matchesSearch(r, query) && (after === undefined || searchOrder(after, r) < 0))
          .toSorted(searchOrder)
        const page = found.slice(0, limit)
        return found.length > limit ? { refunds: page, next: searchCursor.encode(page[page.length - 1]!) } : { refunds: page }
      }),
    beginCreate: (intent) =>
      Effect.sync(() => {
        const key = eventKey(intent.connector, intent.merchantRefundId)
        const kept = beginOver(intents.get(key), intent)
        intents.set(key, kept)
        return kept
      }),
    endCreate: (connector, merchantRefundId, end, at) =>
      Effect.sync(() => {
        const key = eventKey(connector, merchantRefundId)
        const intent = intents.get(key)
        if (intent !== undefined) intents.set(key, endOf(intent, end, at))
      }),
    getCreate: (connector, merchantRefundId) => Effect.sync(() => Option.fromNullishOr(intents.get(eventKey(connector, merchantRefundId)))),
    pendingCreates: (connector) =>
      Effect.sync(() =>
        [...intents.values()]
          .filter((i) => i.state === "Pending" && (connector === undefined || i.connector === connector))
          .toSorted((a, b) => a.firstAttemptAt - b.firstAttemptAt)
      ),
    hasEvent: (connector, eventId) => Effect.sync(() => events.has(eventKey(connector, eventId))),
    changes: hub.changes,
    subscribe: hub.subscribe
  }
  return store
})

export const layer: Layer.Layer<RefundStore> = Layer.effect(RefundStore, make)
