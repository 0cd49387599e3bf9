/**
 * The PostgreSQL `RefundStore`.
 *
 *   PgRefundStore.layer({ schema: "refract" })            // needs a SqlClient (PgClient.layer / layerConfig)
 *   PgRefundStore.layerUrl("postgres://user@host/db")      // brings its own PgClient pool
 *
 * Each observation is applied in one transaction: a per-refund advisory lock (so concurrent
 * webhooks and polls for one refund run one after the other, including the very first observation
 * of a refund that has no row yet), the de-duplication insert for webhook event ids, a
 * `SELECT … FOR UPDATE` of the current state, the state machine, an append to the observations
 * table and the upsert of the current state. Status changes are published after the commit.
 * When `apply` returns, the observation is committed: that is when a webhook may be acknowledged.
 */
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import type { Scope } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Refund, RefundStatus, RefundStore } from "@refract/core"
import { migrate, quote, validateSchema } from "./Migrations.ts"

export interface Options {
  /** The PostgreSQL schema holding Refract's tables (created if missing). Default "public". */
  readonly schema?: string | undefined
  /** Apply pending migrations when the layer starts. Default true. */
  readonly migrate?: boolean | undefined
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
    const hub = yield* RefundStore.makeChangeHub

    const load = (connector: string, connectorRefundId: string) =>
      sql<{ refund: unknown }>`SELECT refund FROM ${refunds}
        WHERE connector = ${connector} AND connector_refund_id = ${connectorRefundId}`.pipe(Effect.flatMap(firstRefund))
    /** Inside the refund's advisory lock; the row lock is defence in depth. */
    const loadForUpdate = (connector: string, connectorRefundId: string) =>
      sql<{ refund: unknown }>`SELECT refund FROM ${refunds}
        WHERE connector = ${connector} AND connector_refund_id = ${connectorRefundId} FOR UPDATE`.pipe(Effect.flatMap(firstRefund))

    const apply = (observation: RefundStore.Observation) => {
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

    const store: RefundStore.Store = {
      apply,
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
