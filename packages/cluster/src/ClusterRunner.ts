/**
 * Runner and client layers for Node: Effect Cluster over TCP between runners, PostgreSQL for
 * storage, shard locks and runner membership, and the workflow engine on top.
 *
 *   const sql = PgClient.layer({ url: Redacted.make(databaseUrl) })
 *   ClusterRunner.layer({ host: "10.0.0.7", port: 34431 })   // a runner: owns shards, runs workflows
 *   ClusterRunner.layerClient()                              // starts and signals workflows, runs none
 *
 * Both need ONE `SqlClient` shared with the refund store and the workflow's activities
 * (`Layer.provideMerge`): `ClusterSchema.WithTransaction` commits an activity's SQL with its journal
 * entry only on the storage's own client.
 *
 * Settings (`defaults`, see docs/cluster.md for the measurements behind them):
 * - `entityMessagePollInterval` 1 s (Effect's default 10 s): durable timers fire only on this poll.
 * - `runnerHealthCheckInterval` 5 s (default 1 min): how soon a dead runner's shards move. A killed
 *   process frees its advisory shard locks at once; the health check is what notices it.
 * - shard lock refresh and expiration stay at Effect's 10 s / 35 s: tighter leases made runners on a
 *   loaded machine declare lock storage unhealthy and interrupt every workflow they hosted.
 * - every runner also pings its peers (`PeerWatch`): Effect's health check runs on one runner only,
 *   and when that runner dies the others would wait for the 35 s lease.
 * Every field can be overridden in code (`sharding`) or, for those not set in code, by environment
 * variables in CONSTANT_CASE (`ENTITY_MESSAGE_POLL_INTERVAL="2 seconds"`). The runner address is always
 * set in code: Effect would otherwise read `HOST`/`PORT`, which platforms often set for HTTP.
 */
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { PgClient } from "@effect/sql-pg"
import { PgRefundStore } from "@refract/store-pg"
import { Effect, Layer, Option, Redacted } from "effect"
import { ClusterWorkflowEngine, RunnerAddress } from "effect/cluster"
import type { ShardingConfig } from "effect/cluster"
import * as ClusterReconcile from "./ClusterReconcile.ts"
import * as ClusterTracker from "./ClusterTracker.ts"
import * as PeerWatch from "./PeerWatch.ts"
import * as Retention from "./Retention.ts"
import * as Settings from "./Settings.ts"
import * as TrackRefund from "./TrackRefund.ts"
import * as Tracking from "./Tracking.ts"

export type Sharding = Partial<ShardingConfig.ShardingConfig["Service"]>

export const defaults = {
  entityMessagePollInterval: "1 second",
  runnerHealthCheckInterval: "5 seconds"
} as const satisfies Sharding

export interface RunnerOptions {
  /** The address other runners reach this one at. */
  readonly host: string
  /** The port of the runner's socket (not the HTTP port). */
  readonly port: number
  /** Where to listen, when it differs from `host` (`0.0.0.0` in a container). */
  readonly listenHost?: string | undefined
  /** Overrides of the sharding settings. */
  readonly sharding?: Sharding | undefined
}

/** A runner: holds shards, runs the workflows registered in the application. Needs a `SqlClient`. */
export const layer = (options: RunnerOptions) => {
  const sharding = { ...defaults, ...options.sharding }
  const watch = PeerWatch.layer({
    self: { host: options.host, port: options.port },
    every: sharding.runnerHealthCheckInterval,
    expiration: sharding.shardLockExpiration ?? "35 seconds"
  })
  return Layer.merge(ClusterWorkflowEngine.layer, watch).pipe(
    Layer.provideMerge(NodeClusterSocket.layer({
      storage: "sql",
      shardingConfig: {
        ...sharding,
        runnerAddress: Option.some(RunnerAddress.make(options.host, options.port)),
        runnerListenAddress: Option.some(RunnerAddress.make(options.listenHost ?? options.host, options.port))
      }
    }))
  )
}

/** A client-only member: starts, polls and signals workflows; holds no shards. Needs a `SqlClient`. */
export const layerClient = (options: { readonly sharding?: Sharding | undefined } = {}) =>
  ClusterWorkflowEngine.layer.pipe(
    Layer.provideMerge(NodeClusterSocket.layer({ clientOnly: true, storage: "sql", shardingConfig: { ...defaults, ...options.sharding } }))
  )

export interface TrackingOptions extends ClusterTracker.Options {
  /** Run workflows here (a runner), or only start and signal them (`"client"`). */
  readonly runner: RunnerOptions | "client"
  /** Retention of finished executions (runners only). Default on, with its defaults; `false` turns it off. */
  readonly retention?: Omit<Retention.Options, "schema"> | false | undefined
}

/**
 * Durable tracking on the cluster, all in one: the engine (runner or client), the tracking table's
 * migration, the `RefundTracker` service, the `TrackRefund` and reconciliation workflows (runners)
 * and the retention singleton (runners). Provide it with the ONE `SqlClient` the refund store uses.
 */
export const layerTracking = (options: TrackingOptions) => {
  const settings = Settings.resolve(options)
  const migrated = Layer.effectDiscard(Effect.orDie(Tracking.migrate(settings.schema)))
  const tracker = ClusterTracker.layer(options).pipe(Layer.provide(migrated))
  if (options.runner === "client") return tracker.pipe(Layer.provideMerge(layerClient({ sharding: undefined })))
  const workflow = Layer.merge(TrackRefund.layer(settings).pipe(Layer.provide(tracker)), ClusterReconcile.layer({ schema: settings.schema }))
  const retention = options.retention === false ? Layer.empty : Retention.layer({ ...options.retention, schema: settings.schema })
  return Layer.mergeAll(tracker, workflow, retention).pipe(Layer.provideMerge(layer(options.runner)))
}

/**
 * The refund store and cluster tracking over ONE PostgreSQL pool, as the two layers
 * `NodeWebhookServer.layer({ store, tracking })` takes (the pool is built once: both use the same
 * layer value). Budget `maxConnections + 1` connections per process (one holds the shard locks).
 */
export const layerPostgres = (
  options: TrackingOptions & { readonly url: string | Redacted.Redacted<string>; readonly maxConnections?: number | undefined }
) => {
  const settings = Settings.resolve(options)
  const sql = PgClient.layer({
    url: typeof options.url === "string" ? Redacted.make(options.url) : options.url,
    maxConnections: options.maxConnections ?? 10
  })
  return {
    store: PgRefundStore.layer({ schema: settings.schema }).pipe(Layer.provide(sql)),
    tracking: layerTracking(options).pipe(Layer.provide(sql))
  }
}
