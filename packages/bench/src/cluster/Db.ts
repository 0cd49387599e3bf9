/**
 * The cluster bench's own connections to the embedded PostgreSQL: one to the maintenance database
 * (`postgres`: fresh databases, `pg_stat_database`, the shard locks in `pg_locks`), whose statements
 * do not count in the bench database's statistics, and one per contender to its database (the
 * tracking table, the verification afterwards), whose statements are counted here so that they can
 * be taken out of the commit count.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"

export interface Connection {
  readonly query: <A extends object = Record<string, unknown>>(text: string, params?: ReadonlyArray<unknown>) => Promise<ReadonlyArray<A>>
  /** Statements run so far (each one is a transaction of its own). */
  readonly statements: () => number
  readonly close: () => Promise<void>
}

/** A one-connection pool to `url`. */
export const connect = (url: string): Connection => {
  const runtime = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))
  let statements = 0
  return {
    query: <A extends object>(text: string, params: ReadonlyArray<unknown> = []) => {
      statements++
      return runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.withoutTransforms().unsafe<A>(text, params as Array<unknown>)))
    },
    statements: () => statements,
    close: () => runtime.dispose()
  }
}

/** `url` with another database name. */
export const withDatabase = (url: string, database: string): string => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** A new, empty database (dropped first if a previous run left it). */
export const freshDatabase = async (maintenance: Connection, name: string): Promise<void> => {
  await maintenance.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await maintenance.query(`CREATE DATABASE ${name}`)
}

export interface Counters {
  readonly commits: number
  readonly rollbacks: number
  readonly inserted: number
  readonly updated: number
  readonly deleted: number
  readonly returned: number
}

/**
 * The database's cumulative counters. They lag: a backend publishes its statistics when it goes idle,
 * but at most once a second, and one that published less than a second ago waits until it has been
 * idle for 10 s (PGSTAT_IDLE_INTERVAL). Read them 10 s after the work, or they miss its end.
 */
export const counters = async (maintenance: Connection, database: string): Promise<Counters> => {
  const rows = await maintenance.query<Record<string, string>>(
    `SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned FROM pg_stat_database WHERE datname = $1`,
    [database]
  )
  const r = rows[0]
  if (r === undefined) throw new Error(`no statistics for database ${database}`)
  return {
    commits: Number(r["xact_commit"]),
    rollbacks: Number(r["xact_rollback"]),
    inserted: Number(r["tup_inserted"]),
    updated: Number(r["tup_updated"]),
    deleted: Number(r["tup_deleted"]),
    returned: Number(r["tup_returned"])
  }
}

export interface Live {
  /** WAL position, bytes (the whole server). */
  readonly walBytes: number
  /** The next transaction id: it moves only for transactions that write (the whole server). */
  readonly nextXid: number
}

/** Counters without lag: the WAL position and the transaction id counter (read without taking an id). */
export const live = async (maintenance: Connection): Promise<Live> => {
  const rows = await maintenance.query<{ wal: string; xid: string }>(
    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal, pg_snapshot_xmax(pg_current_snapshot())::text AS xid"
  )
  return { walBytes: Number(rows[0]!.wal), nextXid: Number(rows[0]!.xid) }
}

export const minus = (a: Counters, b: Counters): Counters => ({
  commits: a.commits - b.commits,
  rollbacks: a.rollbacks - b.rollbacks,
  inserted: a.inserted - b.inserted,
  updated: a.updated - b.updated,
  deleted: a.deleted - b.deleted,
  returned: a.returned - b.returned
})

/** Shard locks held in `database` (Effect Cluster holds one advisory lock per shard), by backend. */
export const shardLocks = async (maintenance: Connection, database: string): Promise<{ readonly holders: number; readonly shards: number }> => {
  const rows = await maintenance.query<{ pid: number; n: string }>(
    `SELECT l.pid, count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
     WHERE d.datname = $1 AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 GROUP BY l.pid`,
    [database]
  )
  return { holders: rows.length, shards: rows.reduce((sum, r) => sum + Number(r.n), 0) }
}

/** The server's version, for the report. */
export const version = async (maintenance: Connection): Promise<string> => {
  const rows = await maintenance.query<{ v: string }>("SELECT current_setting('server_version') AS v")
  return rows[0]?.v ?? "?"
}
