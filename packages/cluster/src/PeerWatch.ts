/**
 * Every runner watches its peers, so failover does not wait for a lease to expire.
 *
 * Effect Cluster 4.1 pings runners from ONE place: the runner health check is a cluster singleton.
 * When the runner hosting it is the one that dies, nobody marks the dead runner unhealthy; the
 * survivors keep it in their shard assignment until its heartbeat is older than
 * `shardLockExpiration` (35 s by default), and its workflows wait that long. Measured in this
 * package's failover test: 4.8–8 s when another runner was killed, 37 s when the health checker's
 * host was.
 *
 * Here each runner pings its healthy peers on the same schedule and with the same patience as
 * Effect's check (a ping times out after 10 s, retried 5 times 500 ms apart), and marks a peer that
 * never answers unhealthy in `cluster_runners`, exactly what Effect's check would write. A runner
 * marked by mistake (a long pause) comes back: Effect's own check marks it healthy again once it
 * answers. A runner never marks itself.
 */
import { Duration, Effect, Layer, Schedule } from "effect"
import { RunnerAddress, Runners } from "effect/cluster"
import { SqlClient } from "effect/sql"

export interface Options {
  /** This runner's address, as registered (`host:port`). */
  readonly self: { readonly host: string; readonly port: number }
  /** How often peers are pinged. */
  readonly every: Duration.Input
  /** A runner whose heartbeat is older than this is not a peer any more (Effect's `shardLockExpiration`). */
  readonly expiration: Duration.Input
  /** Table prefix of the cluster's runner storage. Default "cluster". */
  readonly clusterPrefix?: string | undefined
}

const parse = (address: string): RunnerAddress.RunnerAddress | undefined => {
  const at = address.lastIndexOf(":")
  const port = Number(address.slice(at + 1))
  return at > 0 && Number.isInteger(port) ? RunnerAddress.make(address.slice(0, at), port) : undefined
}

/** The watch, as a layer that lives with the runner. Needs the cluster's `Runners` and the `SqlClient`. */
export const layer = (options: Options): Layer.Layer<never, never, Runners.Runners | SqlClient.SqlClient> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const runners = yield* Runners.Runners
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const table = `${options.clusterPrefix ?? "cluster"}_runners`
    const self = `${options.self.host}:${options.self.port}`
    const expiresSeconds = Math.ceil(Duration.toSeconds(Duration.fromInputUnsafe(options.expiration)))

    const alive = (address: RunnerAddress.RunnerAddress) =>
      runners.ping(address).pipe(
        Effect.timeout(10_000),
        Effect.retry({ times: 5, schedule: Schedule.spaced(500) }),
        Effect.isSuccess
      )

    const round = Effect.gen(function*() {
      const peers = yield* sql.unsafe<{ address: string }>(
        `SELECT address FROM ${table} WHERE healthy AND address <> $1 AND last_heartbeat > now() - make_interval(secs => $2)`,
        [self, expiresSeconds]
      )
      yield* Effect.forEach(peers, ({ address }) =>
        Effect.gen(function*() {
          const parsed = parse(address)
          if (parsed === undefined || (yield* alive(parsed))) return
          yield* sql.unsafe(`UPDATE ${table} SET healthy = false WHERE address = $1 AND healthy`, [address])
          yield* Effect.logWarning(`refract cluster: runner ${address} does not answer; marked unhealthy so its shards move`)
        }), { concurrency: 10, discard: true })
    }).pipe(Effect.catchCause((cause) => Effect.logDebug("refract cluster: peer watch round failed", cause)))

    yield* Effect.forkScoped(round.pipe(Effect.repeat(Schedule.spaced(Duration.fromInputUnsafe(options.every)))))
  }))
