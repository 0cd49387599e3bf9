/**
 * The PostgreSQL `RefundStore`.
 *
 *   PgRefundStore.layer({ schema: "refract" })            // needs a SqlClient (PgClient.layer / layerConfig)
 *   PgRefundStore.layerUrl("postgres://user@host/db")      // brings its own PgClient pool
 *
 * Each observation is applied in a transaction: a per-refund advisory lock (so concurrent
 * webhooks and polls for one refund run one after the other, including the very first observation
 * of a refund that has no row yet), the de-duplication insert for webhook event ids, a
 * `SELECT … FOR UPDATE` of the current state, the state machine, an append to the observations
 * table and the upsert of the current state. Status changes are published after the commit.
 * When `apply` returns, the observation is committed: that is when a webhook may be acknowledged.
 *
 * Group commit: observations applied concurrently are collected and written together, one
 * transaction (and a fixed number of round trips) for the whole group instead of eight round trips
 * each. The group takes the advisory locks of all its refunds (in one order, so groups never
 * deadlock), folds its observations in arrival order (so several observations of one refund in a
 * group are applied one after the other, exactly as if they had come one by one), writes everything
 * with array statements and commits; only then does each `apply` return. Should a group fail, each
 * of its observations is retried in a transaction of its own, so one bad observation never fails
 * the others. `batch: false` turns grouping off.
 */
import { Cause, Deferred, Effect, Exit, Layer, Option, Queue, Redacted, Result, Schema, Stream } from "effect"
import type { Scope } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql"
import { PgClient, PgTypes } from "@effect/sql-pg"
import { Refund, RefundStatus, RefundStore } from "@refract/core"
import { migrate, quote, validateSchema } from "./Migrations.ts"

/** Refunds per page of a `scan`. */
const scanPage = 1000

export interface Options {
  /** The PostgreSQL schema holding Refract's tables (created if missing). Default "public". */
  readonly schema?: string | undefined
  /** Apply pending migrations when the layer starts. Default true. */
  readonly migrate?: boolean | undefined
  /**
   * Group commit of concurrent `apply` calls (see the module documentation): at most `maxSize`
   * observations per transaction (default 128), `writers` transactions at a time (default 2).
   * `false` applies each observation in its own transaction.
   */
  readonly batch?: false | { readonly maxSize?: number | undefined; readonly writers?: number | undefined } | undefined
}

const decodeRefund = Schema.decodeUnknownEffect(Refund.Refund)
const decodeEntry = Schema.decodeUnknownEffect(RefundStore.HistoryEntry)
const decodeIntent = Schema.decodeUnknownEffect(RefundStore.CreateIntent)

/** The most specific message in an error's cause chain (PostgreSQL's own text, a socket error code). */
export const detail = (error: unknown): string => {
  const messages: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const { message, code } = current as { message?: unknown; code?: unknown }
    if (typeof message === "string" && message !== "" && !messages.includes(message)) messages.push(message)
    if (typeof code === "string" && /^[A-Z0-9_]+$/.test(code) && !messages.includes(code)) messages.push(code)
    const next = current as { reason?: unknown; cause?: unknown }
    current = typeof next.reason === "object" && next.reason !== null ? next.reason : next.cause
  }
  return messages.join(": ")
}

const storeError = (operation: string) => (cause: SqlError.SqlError | Schema.SchemaError) =>
  new RefundStore.StoreError({ operation, message: `PostgreSQL refund store ${operation}: ${detail(cause)}`, cause })

const firstRefund = (rows: ReadonlyArray<{ readonly refund: unknown }>) =>
  rows.length === 0 ? Effect.succeed(undefined) : decodeRefund(rows[0]!.refund)

const firstIntent = (rows: ReadonlyArray<{ readonly intent: unknown }>) =>
  rows.length === 0 ? Effect.succeed(undefined) : decodeIntent(rows[0]!.intent)

const refundsOf = (rows: ReadonlyArray<{ readonly refund: unknown }>) => Effect.forEach(rows, (row) => decodeRefund(row.refund))

/**
 * A `text[]` parameter (typed, so that an array of nulls is one too); statements cast it to the
 * column's type.
 */
const texts = (values: ReadonlyArray<string | null>) => Result.getOrThrow(PgTypes.array(values, PgTypes.OID.text))

/** Builds the store over the current SqlClient (migrating first, unless told not to). */
export const make = (
  options: Options = {}
): Effect.Effect<RefundStore.Store, RefundStore.StoreError, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function*() {
    const schema = options.schema ?? "public"
    const problem = validateSchema(schema)
    if (problem !== undefined) return yield* new RefundStore.StoreError({ operation: "configure", message: problem })
    if (options.migrate ?? true) yield* migrate(schema).pipe(Effect.mapError(storeError("migrate")))

    // Our own names everywhere: never let an application's name transforms touch them.
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const s = quote(schema)
    const refunds = sql.literal(`${s}.refract_refunds`)
    const observations = sql.literal(`${s}.refract_observations`)
    const events = sql.literal(`${s}.refract_webhook_events`)
    const intents = sql.literal(`${s}.refract_create_intents`)

    const loadIntent = (connector: string, merchantRefundId: string) =>
      sql<{ intent: unknown }>`SELECT intent FROM ${intents}
        WHERE connector = ${connector} AND merchant_refund_id = ${merchantRefundId}`.pipe(Effect.flatMap(firstIntent))
    /** Inside the create's advisory lock; the row lock is defence in depth. */
    const loadIntentForUpdate = (connector: string, merchantRefundId: string) =>
      sql<{ intent: unknown }>`SELECT intent FROM ${intents}
        WHERE connector = ${connector} AND merchant_refund_id = ${merchantRefundId} FOR UPDATE`.pipe(Effect.flatMap(firstIntent))

    const writeIntent = (intent: RefundStore.CreateIntent) =>
      sql`INSERT INTO ${intents} (connector, merchant_refund_id, state, first_attempt_at, intent, updated_at)
        VALUES (${intent.connector}, ${intent.merchantRefundId}, ${intent.state}, ${intent.firstAttemptAt},
          ${JSON.stringify(RefundStore.encodeIntent(intent))}::jsonb, ${intent.updatedAt})
        ON CONFLICT (connector, merchant_refund_id) DO UPDATE SET state = EXCLUDED.state,
          first_attempt_at = EXCLUDED.first_attempt_at, intent = EXCLUDED.intent, updated_at = EXCLUDED.updated_at`

    /** Serializes everything about one create, even before its row exists. */
    const lockCreate = (connector: string, merchantRefundId: string) =>
      sql`SELECT pg_advisory_xact_lock(hashtextextended(${`refract:${schema}:create:${connector}:${merchantRefundId}`}, 0))`
    const localHub = yield* RefundStore.makeChangeHub
    // Other processes on this schema hear of each change (LISTEN/NOTIFY, after the commit; at most
    // once: a live view's feed, not a record: the store is that). Only over a PgClient.
    const pg = yield* Effect.serviceOption(PgClient.PgClient)
    const channel = `refract_changes_${schema}`
    const instance = Math.random().toString(36).slice(2) + Date.now().toString(36)
    // Notifications go out in batches from one fiber (one round trip per batch, in commit order), so
    // an acknowledgement never waits for them.
    const outbox = yield* Queue.unbounded<string>()
    if (Option.isSome(pg)) {
      yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
        const batch = yield* Queue.takeBetween(outbox, 1, 500)
        yield* sql`SELECT pg_notify(${channel}, payload) FROM unnest(${texts([...batch])}::text[]) AS payload`.pipe(
          Effect.catchCause((cause) => Effect.logDebug("refract store: could not tell other processes of changes", cause))
        )
      })))
    }
    const hub = {
      ...localHub,
      publish: (change: RefundStore.Change) =>
        localHub.publish(change).pipe(
          Effect.andThen(Option.isNone(pg) ? Effect.void : Effect.sync(() => {
            Queue.offerUnsafe(outbox, JSON.stringify([instance, change.current.connector, change.current.connectorRefundId, change.entry.sequence]))
          }))
        )
    }

    const load = (connector: string, connectorRefundId: string) =>
      sql<{ refund: unknown }>`SELECT refund FROM ${refunds}
        WHERE connector = ${connector} AND connector_refund_id = ${connectorRefundId}`.pipe(Effect.flatMap(firstRefund))
    /** Inside the refund's advisory lock; the row lock is defence in depth. */
    const loadForUpdate = (connector: string, connectorRefundId: string) =>
      sql<{ refund: unknown }>`SELECT refund FROM ${refunds}
        WHERE connector = ${connector} AND connector_refund_id = ${connectorRefundId} FOR UPDATE`.pipe(Effect.flatMap(firstRefund))

    if (Option.isSome(pg)) {
      const notifications = yield* pg.value.listen(channel).pipe(Effect.mapError(storeError("listen")))
      const relay = Effect.gen(function*() {
        const notification = yield* Queue.take(notifications)
        const parsed = (() => {
          try {
            const value: unknown = JSON.parse(notification.payload)
            return Array.isArray(value) && value.length === 4 ? value as [string, string, string, number] : undefined
          } catch {
            return undefined
          }
        })()
        if (parsed === undefined || parsed[0] === instance) return
        const [, connector, id, sequence] = parsed
        const current = yield* load(connector, id)
        const rows = yield* sql<{ entry: unknown }>`SELECT entry FROM ${observations}
          WHERE connector = ${connector} AND connector_refund_id = ${id} AND sequence = ${sequence}`
        if (current === undefined || rows.length === 0) return
        const entry = yield* decodeEntry(rows[0]!.entry)
        yield* localHub.publish({ previous: undefined, current, entry, remote: true })
      }).pipe(Effect.catchCause((cause) =>
        Effect.logDebug("refract store: a change from another process could not be read", cause).pipe(Effect.andThen(Effect.sleep("1 second")))
      ))
      yield* Effect.forkScoped(Effect.forever(relay))
    }

    const applyOne = (observation: RefundStore.Observation) => {
      const connector = observation.connector
      const id = observation.snapshot.connectorRefundId
      return sql.withTransaction(Effect.gen(function*() {
        // Serializes everything about this refund, even before its first row exists.
        yield* sql`SELECT pg_advisory_xact_lock(hashtextextended(${`refract:${schema}:${connector}:${id}`}, 0))`
        if (observation.eventId !== undefined) {
          const inserted = yield* sql`INSERT INTO ${events} (connector, event_id, connector_refund_id, received_at)
            VALUES (${connector}, ${observation.eventId}, ${id}, ${observation.receivedAt})
            ON CONFLICT (connector, event_id) DO NOTHING RETURNING event_id`
          if (inserted.length === 0) {
            return RefundStore.ApplyResult.Duplicate({
              connector,
              eventId: observation.eventId,
              current: yield* load(connector, id)
            })
          }
        }
        const previous = yield* loadForUpdate(connector, id)
        const [last] = yield* sql<{ n: number }>`SELECT coalesce(max(sequence), 0)::integer AS n FROM ${observations}
          WHERE connector = ${connector} AND connector_refund_id = ${id}`
        const folded = RefundStore.fold(previous, observation, Number(last?.n ?? 0) + 1)
        const entry = folded.entry
        yield* sql`INSERT INTO ${observations}
          (connector, connector_refund_id, sequence, source, event_id, received_at, raw_status, observed_status,
           transition, status_before, status_after, entry)
          VALUES (${connector}, ${id}, ${entry.sequence}, ${entry.source}, ${entry.eventId ?? null}, ${entry.receivedAt},
           ${entry.rawStatus}, ${entry.observedStatus}, ${entry.transition}, ${entry.statusBefore ?? null},
           ${entry.statusAfter ?? null}, ${JSON.stringify(RefundStore.encodeEntry(entry))}::jsonb)`
        const current = folded.current
        if (current !== undefined) {
          const encoded = JSON.stringify(RefundStore.encodeRefund(current))
          yield* sql`INSERT INTO ${refunds}
            (connector, connector_refund_id, merchant_refund_id, status, settled, refund, created_at, updated_at)
            VALUES (${connector}, ${id}, ${current.merchantRefundId ?? null}, ${current.status},
              ${RefundStatus.isSettled(current.status)}, ${encoded}::jsonb, ${current.createdAt}, ${current.updatedAt})
            ON CONFLICT (connector, connector_refund_id) DO UPDATE SET
              merchant_refund_id = EXCLUDED.merchant_refund_id, status = EXCLUDED.status, settled = EXCLUDED.settled,
              refund = EXCLUDED.refund, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at`
        }
        const change = RefundStore.changeOf(previous, folded)
        if (change !== undefined) yield* sql.afterCommit(hub.publish(change))
        return RefundStore.ApplyResult.Observed({ previous, current, transition: folded.transition, entry })
      })).pipe(Effect.mapError(storeError("apply")))
    }

    const lockName = (connector: string, id: string) => `refract:${schema}:${connector}:${id}`

    /**
     * One transaction for a group of observations (see the module documentation). Returns each
     * observation's result, in order, and the changes to publish once committed.
     */
    const applyGroup = (group: ReadonlyArray<RefundStore.Observation>) =>
      sql.withTransaction(Effect.gen(function*() {
        const keys = new Map<string, { readonly connector: string; readonly id: string }>()
        for (const o of group) {
          const id = o.snapshot.connectorRefundId
          keys.set(RefundStore.keyString({ connector: o.connector, connectorRefundId: id }), { connector: o.connector, id })
        }
        const keyList = [...keys.values()]
        const connectors = keyList.map((k) => k.connector)
        const ids = keyList.map((k) => k.id)
        // Every refund of the group, in one order (by lock hash) so that concurrent groups never deadlock.
        yield* sql`SELECT pg_advisory_xact_lock(h) FROM (
          SELECT DISTINCT hashtextextended(name, 0) AS h FROM unnest(${texts(keyList.map((k) => lockName(k.connector, k.id)))}::text[]) AS name
          ORDER BY h) AS locks`
        // De-duplication: the first occurrence of an event id in the group is inserted; the others,
        // and those already stored, are Duplicates.
        const firstOfEvent = new Map<string, number>()
        group.forEach((o, i) => {
          if (o.eventId === undefined) return
          const k = RefundStore.keyString({ connector: o.connector, connectorRefundId: o.eventId })
          if (!firstOfEvent.has(k)) firstOfEvent.set(k, i)
        })
        const inserted = new Set<string>()
        if (firstOfEvent.size > 0) {
          const firsts = [...firstOfEvent.values()].map((i) => group[i]!)
          const rows = yield* sql<{ connector: string; event_id: string }>`INSERT INTO ${events} (connector, event_id, connector_refund_id, received_at)
            SELECT * FROM unnest(${texts(firsts.map((o) => o.connector))}::text[], ${texts(firsts.map((o) => o.eventId!))}::text[],
              ${texts(firsts.map((o) => o.snapshot.connectorRefundId))}::text[], ${texts(firsts.map((o) => String(o.receivedAt)))}::bigint[])
            ON CONFLICT (connector, event_id) DO NOTHING RETURNING connector, event_id`
          for (const row of rows) inserted.add(RefundStore.keyString({ connector: row.connector, connectorRefundId: row.event_id }))
        }
        const loaded = yield* sql<{ connector: string; connector_refund_id: string; refund: unknown }>`SELECT r.connector, r.connector_refund_id, r.refund
          FROM ${refunds} AS r JOIN unnest(${texts(connectors)}::text[], ${texts(ids)}::text[]) AS k(connector, id)
            ON r.connector = k.connector AND r.connector_refund_id = k.id
          FOR UPDATE OF r`
        const sequences = yield* sql<{ connector: string; connector_refund_id: string; n: number }>`SELECT o.connector, o.connector_refund_id,
            max(o.sequence)::integer AS n
          FROM ${observations} AS o JOIN unnest(${texts(connectors)}::text[], ${texts(ids)}::text[]) AS k(connector, id)
            ON o.connector = k.connector AND o.connector_refund_id = k.id
          GROUP BY o.connector, o.connector_refund_id`
        const state = new Map<string, { current: Refund.Refund | undefined; sequence: number; dirty: boolean }>()
        for (const [key] of keys) state.set(key, { current: undefined, sequence: 0, dirty: false })
        for (const row of loaded) {
          state.get(RefundStore.keyString({ connector: row.connector, connectorRefundId: row.connector_refund_id }))!.current = yield* decodeRefund(row.refund)
        }
        for (const row of sequences) {
          state.get(RefundStore.keyString({ connector: row.connector, connectorRefundId: row.connector_refund_id }))!.sequence = Number(row.n)
        }
        // The state machine, in arrival order.
        const results: Array<RefundStore.ApplyResult> = []
        const changes: Array<RefundStore.Change> = []
        const entries: Array<RefundStore.HistoryEntry> = []
        group.forEach((o, i) => {
          const s = state.get(RefundStore.keyString({ connector: o.connector, connectorRefundId: o.snapshot.connectorRefundId }))!
          if (o.eventId !== undefined) {
            const k = RefundStore.keyString({ connector: o.connector, connectorRefundId: o.eventId })
            if (firstOfEvent.get(k) !== i || !inserted.has(k)) {
              results.push(RefundStore.ApplyResult.Duplicate({ connector: o.connector, eventId: o.eventId, current: s.current }))
              return
            }
          }
          const previous = s.current
          const folded = RefundStore.fold(previous, o, s.sequence + 1)
          s.sequence += 1
          s.current = folded.current
          if (folded.current !== undefined) s.dirty = true
          entries.push(folded.entry)
          const change = RefundStore.changeOf(previous, folded)
          if (change !== undefined) changes.push(change)
          results.push(RefundStore.ApplyResult.Observed({ previous, current: folded.current, transition: folded.transition, entry: folded.entry }))
        })
        if (entries.length > 0) {
          yield* sql`INSERT INTO ${observations}
            (connector, connector_refund_id, sequence, source, event_id, received_at, raw_status, observed_status,
             transition, status_before, status_after, entry)
            SELECT * FROM unnest(${texts(entries.map((e) => e.connector))}::text[], ${texts(entries.map((e) => e.connectorRefundId))}::text[],
              ${texts(entries.map((e) => String(e.sequence)))}::integer[], ${texts(entries.map((e) => e.source))}::text[],
              ${texts(entries.map((e) => e.eventId ?? null))}::text[], ${texts(entries.map((e) => String(e.receivedAt)))}::bigint[],
              ${texts(entries.map((e) => e.rawStatus))}::text[], ${texts(entries.map((e) => e.observedStatus))}::text[],
              ${texts(entries.map((e) => e.transition))}::text[], ${texts(entries.map((e) => e.statusBefore ?? null))}::text[],
              ${texts(entries.map((e) => e.statusAfter ?? null))}::text[],
              ${texts(entries.map((e) => JSON.stringify(RefundStore.encodeEntry(e))))}::jsonb[])`
        }
        const dirty = [...state.values()].flatMap((s) => (s.dirty && s.current !== undefined ? [s.current] : []))
        if (dirty.length > 0) {
          yield* sql`INSERT INTO ${refunds}
            (connector, connector_refund_id, merchant_refund_id, status, settled, refund, created_at, updated_at)
            SELECT * FROM unnest(${texts(dirty.map((r) => r.connector))}::text[], ${texts(dirty.map((r) => r.connectorRefundId))}::text[],
              ${texts(dirty.map((r) => r.merchantRefundId ?? null))}::text[], ${texts(dirty.map((r) => r.status))}::text[],
              ${texts(dirty.map((r) => String(RefundStatus.isSettled(r.status))))}::boolean[],
              ${texts(dirty.map((r) => JSON.stringify(RefundStore.encodeRefund(r))))}::jsonb[],
              ${texts(dirty.map((r) => String(r.createdAt)))}::bigint[], ${texts(dirty.map((r) => String(r.updatedAt)))}::bigint[])
            ON CONFLICT (connector, connector_refund_id) DO UPDATE SET
              merchant_refund_id = EXCLUDED.merchant_refund_id, status = EXCLUDED.status, settled = EXCLUDED.settled,
              refund = EXCLUDED.refund, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at`
        }
        return { results, changes }
      }))

    interface Pending {
      readonly observation: RefundStore.Observation
      readonly done: Deferred.Deferred<RefundStore.ApplyResult, RefundStore.StoreError>
    }

    const batchOptions = options.batch === false ? undefined : options.batch ?? {}
    let apply = applyOne
    if (batchOptions !== undefined) {
      const maxSize = Math.max(1, batchOptions.maxSize ?? 128)
      const queue = yield* Queue.unbounded<Pending>()
      /** A group failed: each observation on its own, so that one bad observation fails alone. */
      const oneByOne = (group: ReadonlyArray<Pending>) =>
        Effect.forEach(group, (p) => Effect.exit(applyOne(p.observation)).pipe(Effect.flatMap((exit) => Deferred.done(p.done, exit))), { discard: true })
      const writer = Effect.gen(function*() {
        const group = yield* Queue.takeBetween(queue, 1, maxSize)
        const exit = yield* Effect.exit(applyGroup(group.map((p) => p.observation)))
        if (Exit.isSuccess(exit)) {
          // Committed: publish, then acknowledge.
          for (const change of exit.value.changes) yield* hub.publish(change)
          for (let i = 0; i < group.length; i++) Deferred.doneUnsafe(group[i]!.done, Exit.succeed(exit.value.results[i]!))
        } else if (group.length === 1 || Cause.hasInterruptsOnly(exit.cause)) {
          const error = storeError("apply")(Cause.squash(exit.cause) as SqlError.SqlError)
          for (const p of group) Deferred.doneUnsafe(p.done, Exit.fail(error))
        } else {
          yield* oneByOne(group)
        }
      }).pipe(Effect.forever)
      for (let i = 0; i < Math.max(1, batchOptions.writers ?? 2); i++) yield* Effect.forkScoped(writer)
      apply = (observation: RefundStore.Observation) =>
        Effect.suspend(() => {
          const done = Deferred.makeUnsafe<RefundStore.ApplyResult, RefundStore.StoreError>()
          Queue.offerUnsafe(queue, { observation, done })
          return Deferred.await(done)
        })
    }

    /**
     * Search: the statement carries only the filters given (so each is planned against its index:
     * the three id indexes, or the update-order index the keyset pages walk), newest update first,
     * one row more than the page to know whether another follows.
     */
    const search = (query: RefundStore.SearchQuery) =>
      Effect.gen(function*() {
        const problem = RefundStore.searchProblem(query)
        if (problem !== undefined) return yield* new RefundStore.StoreError({ operation: "search", message: `refund search: ${problem}` })
        const limit = query.limit ?? RefundStore.defaultSearchLimit
        const params: Array<unknown> = []
        const param = (value: unknown) => {
          params.push(value)
          return `$${params.length}`
        }
        const where: Array<string> = []
        if (query.id !== undefined) {
          const id = param(query.id)
          where.push(`(merchant_refund_id = ${id} OR connector_refund_id = ${id} OR (refund->>'connectorTransactionId') = ${id})`)
        }
        if (query.connector !== undefined) where.push(`connector = ${param(query.connector)}`)
        if (query.statuses !== undefined) where.push(`status = ANY(${param(texts(query.statuses))}::text[])`)
        for (const [column, range] of [["created_at", query.created], ["updated_at", query.updated]] as const) {
          if (range?.from !== undefined) where.push(`${column} >= ${param(range.from)}`)
          if (range?.to !== undefined) where.push(`${column} < ${param(range.to)}`)
        }
        const after = query.cursor === undefined ? undefined : RefundStore.searchCursor.decode(query.cursor)
        if (after !== undefined) {
          const u = param(after.updatedAt)
          where.push(`(updated_at < ${u} OR (updated_at = ${u} AND (connector, connector_refund_id) > (${param(after.connector)}, ${param(after.connectorRefundId)})))`)
        }
        const rows = yield* sql.unsafe<{ refund: unknown }>(
          `SELECT refund FROM ${s}.refract_refunds${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
           ORDER BY updated_at DESC, connector, connector_refund_id LIMIT ${param(limit + 1)}`,
          params
        ).pipe(Effect.mapError(storeError("search")))
        const refunds = yield* refundsOf(rows.slice(0, limit)).pipe(Effect.mapError(storeError("search")))
        return rows.length > limit ? { refunds, next: RefundStore.searchCursor.encode(refunds[refunds.length - 1]!) } : { refunds }
      })

    const store: RefundStore.Store = {
      apply,
      search,
      get: (key) =>
        load(key.connector, key.connectorRefundId).pipe(Effect.map(Option.fromNullishOr), Effect.mapError(storeError("get"))),
      getByMerchantRefundId: (merchantRefundId, connector) =>
        Effect.gen(function*() {
          const rows = connector === undefined
            ? yield* sql<{ refund: unknown }>`SELECT refund FROM ${refunds}
                WHERE merchant_refund_id = ${merchantRefundId} ORDER BY updated_at DESC LIMIT 1`
            : yield* sql<{ refund: unknown }>`SELECT refund FROM ${refunds}
                WHERE merchant_refund_id = ${merchantRefundId} AND connector = ${connector} ORDER BY updated_at DESC LIMIT 1`
          return rows.length === 0 ? Option.none() : Option.some(yield* decodeRefund(rows[0]!.refund))
        }).pipe(Effect.mapError(storeError("getByMerchantRefundId"))),
      history: (key) =>
        Effect.gen(function*() {
          const rows = yield* sql<{ entry: unknown }>`SELECT entry FROM ${observations}
            WHERE connector = ${key.connector} AND connector_refund_id = ${key.connectorRefundId} ORDER BY sequence`
          return yield* Effect.forEach(rows, (row) => decodeEntry(row.entry))
        }).pipe(Effect.mapError(storeError("history"))),
      listUnsettled: (connector, options) =>
        Effect.gen(function*() {
          const since = options?.succeededSince
          // Stryker disable next-line ConditionalExpression: equivalent (updated_at >= NULL is never true); the plain form keeps the partial index usable
          const listed = since === undefined
            ? sql`NOT settled`
            : sql`(NOT settled OR (status = 'Succeeded' AND updated_at >= ${since}))`
          const rows = connector === undefined
            ? yield* sql<{ refund: unknown }>`SELECT refund FROM ${refunds} WHERE ${listed} ORDER BY updated_at`
            : yield* sql<{ refund: unknown }>`SELECT refund FROM ${refunds}
                WHERE ${listed} AND connector = ${connector} ORDER BY updated_at`
          return yield* refundsOf(rows)
        }).pipe(Effect.mapError(storeError("listUnsettled"))),
      scan: (connector) =>
        // Keyset pages over the primary key: each page is an index range scan, whatever the table's size.
        Stream.paginate(undefined as string | undefined, (after) =>
          Effect.gen(function*() {
            const rows = after === undefined
              ? yield* sql<{ id: string; refund: unknown }>`SELECT connector_refund_id AS id, refund FROM ${refunds}
                  WHERE connector = ${connector} ORDER BY connector_refund_id LIMIT ${scanPage}`
              : yield* sql<{ id: string; refund: unknown }>`SELECT connector_refund_id AS id, refund FROM ${refunds}
                  WHERE connector = ${connector} AND connector_refund_id > ${after} ORDER BY connector_refund_id LIMIT ${scanPage}`
            const page = yield* refundsOf(rows)
            return [page, rows.length < scanPage ? Option.none() : Option.some(rows[rows.length - 1]!.id)] as const
          }).pipe(Effect.mapError(storeError("scan")))
        ),
      beginCreate: (intent) =>
        sql.withTransaction(Effect.gen(function*() {
          yield* lockCreate(intent.connector, intent.merchantRefundId)
          const existing = yield* loadIntentForUpdate(intent.connector, intent.merchantRefundId)
          const kept = RefundStore.beginOver(existing, intent)
          if (kept !== existing) yield* writeIntent(kept)
          return kept
        })).pipe(Effect.mapError(storeError("beginCreate"))),
      endCreate: (connector, merchantRefundId, end, at) =>
        sql.withTransaction(Effect.gen(function*() {
          yield* lockCreate(connector, merchantRefundId)
          const existing = yield* loadIntentForUpdate(connector, merchantRefundId)
          if (existing !== undefined) yield* writeIntent(RefundStore.endOf(existing, end, at))
        })).pipe(Effect.mapError(storeError("endCreate"))),
      getCreate: (connector, merchantRefundId) =>
        loadIntent(connector, merchantRefundId).pipe(Effect.map(Option.fromNullishOr), Effect.mapError(storeError("getCreate"))),
      pendingCreates: (connector) =>
        Effect.gen(function*() {
          const rows = connector === undefined
            ? yield* sql<{ intent: unknown }>`SELECT intent FROM ${intents} WHERE state = 'Pending' ORDER BY first_attempt_at`
            : yield* sql<{ intent: unknown }>`SELECT intent FROM ${intents}
                WHERE state = 'Pending' AND connector = ${connector} ORDER BY first_attempt_at`
          return yield* Effect.forEach(rows, (row) => decodeIntent(row.intent))
        }).pipe(Effect.mapError(storeError("pendingCreates"))),
      hasEvent: (connector, eventId) =>
        sql`SELECT 1 AS found FROM ${events} WHERE connector = ${connector} AND event_id = ${eventId}`.pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.mapError(storeError("hasEvent"))
        ),
      changes: hub.changes,
      subscribe: hub.subscribe
    }
    return store
  })

/** The store over the application's `SqlClient` (provide `PgClient.layer` / `PgClient.layerConfig`). */
export const layer = (options: Options = {}): Layer.Layer<RefundStore.RefundStore, RefundStore.StoreError, SqlClient.SqlClient> =>
  Layer.effect(RefundStore.RefundStore, make(options))

/** The store with its own connection pool to `url` (`postgres://user:password@host:5432/db`). */
export const layerUrl = (
  url: string | Redacted.Redacted<string>,
  options: Options = {}
): Layer.Layer<RefundStore.RefundStore, RefundStore.StoreError> =>
  Layer.effect(
    RefundStore.RefundStore,
    Effect.gen(function*() {
      const client = yield* Layer.build(PgClient.layer({ url: typeof url === "string" ? Redacted.make(url) : url })).pipe(
        // Stryker disable next-line StringLiteral: unreachable today (the pool connects lazily, so building it never fails)
        Effect.mapError(storeError("connect"))
      )
      return yield* make(options).pipe(Effect.provideContext(client))
    })
  )
