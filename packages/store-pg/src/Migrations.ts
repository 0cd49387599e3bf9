/**
 * The PostgreSQL schema of the refund store, as numbered migrations, and a small idempotent runner.
 *
 * The runner keeps applied migrations in `<schema>.refract_schema_migrations` and runs every pending
 * one in a single transaction under an advisory lock, so several processes starting at once apply
 * each migration exactly once. Migrations are append-only: never edit a released one, add the next.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql"

export interface Migration {
  readonly id: number
  readonly name: string
  /** `schema` is a validated, already quoted identifier. */
  readonly up: (sql: SqlClient.SqlClient, schema: string) => Effect.Effect<void, SqlError.SqlError>
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/

/** Schema names are restricted to lower-case letters, digits and underscores (no quoting surprises). */
export const validateSchema = (schema: string): string | undefined =>
  schemaPattern.test(schema) ? undefined : `invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`

export const quote = (schema: string): string => `"${schema}"`

export const migrations: ReadonlyArray<Migration> = [
  {
    id: 1,
    name: "refunds_observations_webhook_events",
    up: (sql, s) =>
      Effect.gen(function*() {
        // Current state, one row per refund. `refund` is the encoded core Refund.
        yield* sql.unsafe(`
          CREATE TABLE ${s}.refract_refunds (
            connector           text    NOT NULL,
            connector_refund_id text    NOT NULL,
            merchant_refund_id  text,
            status              text    NOT NULL,
            settled             boolean NOT NULL,
            refund              jsonb   NOT NULL,
            created_at          bigint  NOT NULL,
            updated_at          bigint  NOT NULL,
            PRIMARY KEY (connector, connector_refund_id)
          )`)
        yield* sql.unsafe(`CREATE INDEX refract_refunds_merchant_idx ON ${s}.refract_refunds (merchant_refund_id)`)
        yield* sql.unsafe(`CREATE INDEX refract_refunds_unsettled_idx ON ${s}.refract_refunds (connector) WHERE NOT settled`)
        // Every observation, append-only (a trigger refuses UPDATE and DELETE).
        yield* sql.unsafe(`
          CREATE TABLE ${s}.refract_observations (
            id                  bigserial PRIMARY KEY,
            connector           text    NOT NULL,
            connector_refund_id text    NOT NULL,
            sequence            integer NOT NULL,
            source              text    NOT NULL CHECK (source IN ('create', 'poll', 'webhook')),
            event_id            text,
            received_at         bigint  NOT NULL,
            raw_status          text    NOT NULL,
            observed_status     text    NOT NULL,
            transition          text    NOT NULL,
            status_before       text,
            status_after        text,
            entry               jsonb   NOT NULL,
            UNIQUE (connector, connector_refund_id, sequence)
          )`)
        yield* sql.unsafe(`
          CREATE FUNCTION ${s}.refract_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            RAISE EXCEPTION 'refract_observations is append-only';
          END
          $$`)
        yield* sql.unsafe(`
          CREATE TRIGGER refract_observations_append_only
          BEFORE UPDATE OR DELETE ON ${s}.refract_observations
          FOR EACH ROW EXECUTE FUNCTION ${s}.refract_append_only()`)
        // Webhook deliveries already applied, for de-duplication.
        yield* sql.unsafe(`
          CREATE TABLE ${s}.refract_webhook_events (
            connector           text   NOT NULL,
            event_id            text   NOT NULL,
            connector_refund_id text,
            received_at         bigint NOT NULL,
            PRIMARY KEY (connector, event_id)
          )`)
      })
  },
  {
    id: 2,
    name: "create_intents_and_reversal_watch",
    up: (sql, s) =>
      Effect.gen(function*() {
        // Creates recorded before their first attempt: the idempotency key's first use survives restarts.
        yield* sql.unsafe(`
          CREATE TABLE ${s}.refract_create_intents (
            connector           text   NOT NULL,
            merchant_refund_id  text   NOT NULL,
            state               text   NOT NULL CHECK (state IN ('Pending', 'Created', 'Failed')),
            first_attempt_at    bigint NOT NULL,
            intent              jsonb  NOT NULL,
            updated_at          bigint NOT NULL,
            PRIMARY KEY (connector, merchant_refund_id)
          )`)
        yield* sql.unsafe(`CREATE INDEX refract_create_intents_pending_idx ON ${s}.refract_create_intents (first_attempt_at) WHERE state = 'Pending'`)
        // Succeeded refunds the tracker watches for reversals, by when they succeeded.
        yield* sql.unsafe(`CREATE INDEX refract_refunds_succeeded_idx ON ${s}.refract_refunds (updated_at) WHERE status = 'Succeeded'`)
      })
  },
  {
    id: 3,
    name: "reconcile_source",
    up: (sql, s) =>
      Effect.gen(function*() {
        // The Reconciler records what a processor listing or report showed as observations of their own source.
        yield* sql.unsafe(`ALTER TABLE ${s}.refract_observations DROP CONSTRAINT refract_observations_source_check`)
        yield* sql.unsafe(
          `ALTER TABLE ${s}.refract_observations ADD CONSTRAINT refract_observations_source_check CHECK (source IN ('create', 'poll', 'webhook', 'reconcile'))`
        )
      })
  },
  {
    id: 4,
    name: "reconcile_workspace",
    up: (sql, s) =>
      Effect.gen(function*() {
        // A reconciliation's spill files and checkpoint (PgReconcileWorkspace): resumable from any process.
        yield* sql.unsafe(`
          CREATE TABLE ${s}.refract_reconcile_lines (
            workspace text    NOT NULL,
            file      text    NOT NULL,
            seq       integer NOT NULL,
            line      text    NOT NULL,
            PRIMARY KEY (workspace, file, seq)
          )`)
        yield* sql.unsafe(`
          CREATE TABLE ${s}.refract_reconcile_checkpoints (
            workspace  text   PRIMARY KEY,
            checkpoint text   NOT NULL,
            updated_at bigint NOT NULL
          )`)
      })
  },
  {
    id: 5,
    name: "refund_search",
    up: (sql, s) =>
      Effect.gen(function*() {
        // Support search: an id pasted from an e-mail may be the processor's refund id or the payment's;
        // results come most recently updated first, paged by keyset over this order.
        yield* sql.unsafe(`CREATE INDEX refract_refunds_refund_id_idx ON ${s}.refract_refunds (connector_refund_id)`)
        yield* sql.unsafe(`CREATE INDEX refract_refunds_payment_idx ON ${s}.refract_refunds ((refund->>'connectorTransactionId'))`)
        yield* sql.unsafe(`CREATE INDEX refract_refunds_updated_idx ON ${s}.refract_refunds (updated_at DESC, connector, connector_refund_id)`)
        yield* sql.unsafe(`CREATE INDEX refract_refunds_created_idx ON ${s}.refract_refunds (created_at)`)
      })
  }
]

/** Applies pending migrations to `schema` (created if missing). Returns the ids it applied. */
export const migrate = (schema: string): Effect.Effect<ReadonlyArray<number>, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const problem = validateSchema(schema)
    if (problem !== undefined) return yield* Effect.die(new Error(problem))
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const s = quote(schema)
    return yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(hashtextextended(${`refract:migrations:${schema}`}, 0))`
      yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${s}`)
      yield* sql.unsafe(`
        CREATE TABLE IF NOT EXISTS ${s}.refract_schema_migrations (
          id         integer     PRIMARY KEY,
          name       text        NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`)
      const rows = yield* sql.unsafe<{ id: number }>(`SELECT id FROM ${s}.refract_schema_migrations`)
      const done = new Set(rows.map((r) => Number(r.id)))
      const applied: Array<number> = []
      for (const migration of migrations) {
        if (done.has(migration.id)) continue
        yield* migration.up(sql, s)
        yield* sql.unsafe(`INSERT INTO ${s}.refract_schema_migrations (id, name) VALUES ($1, $2)`, [migration.id, migration.name])
        applied.push(migration.id)
      }
      return applied
    }))
  })
