/**
 * Refract's receiver as `refract serve` runs it (packages/cli/src/commands/serve.ts): the Stripe
 * connector registered with its webhook secret in the ConnectorRegistry next to RefundService,
 * `@refract/node`'s NodeWebhookServer (core's WebhookRoute + EventHandler, the ops routes, the
 * refund tracker) over the store `StoreConfig.layerFromChoice` builds, NodeHttp, and every
 * status change printed as one line on stdout. Run as a child process of the receiver benchmark:
 *
 *   node refract-server.ts memory
 *   node refract-server.ts postgres <url> <schema>
 */
import { changeLine } from "@refract/cli/commands/serve"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { ConnectorRegistry, RefundService, RefundStore, RefundTracker } from "@refract/core"
import { NodeHttp, NodeWebhookServer } from "@refract/node"
import * as StoreConfig from "@refract/store-pg/StoreConfig"
import { StripeConnector } from "@refract/stripe"
import { Console, Effect, Layer, Redacted, Stream } from "effect"
import * as Ipc from "./ipc.ts"
import { dump } from "./verify.ts"

const [kind = "memory", url, schema = "public"] = process.argv.slice(2)
const secret = process.env["REFRACT_BENCH_SECRET"] ?? ""
if (secret === "") throw new Error("REFRACT_BENCH_SECRET is not set")

const choice: StoreConfig.Choice = kind === "postgres"
  ? { _tag: "Postgres", url: Redacted.make(url ?? ""), schema }
  : { _tag: "Memory" }

// As serve.ts: RefundService and the selected connectors, over the ConnectorRegistry.
const registry = Layer.mergeAll(
  RefundService.RefundService.layer,
  ConnectorRegistry.register(StripeConnector.connector, {
    credentials: { apiKey: Redacted.make("sk_test_bench_receiver_0000000000") },
    webhookSecrets: { signingSecret: Redacted.make(secret) }
  })
).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer))

const server = NodeWebhookServer.layer({
  port: 0,
  host: "127.0.0.1",
  maxBodyBytes: 1_048_576,
  store: StoreConfig.layerFromChoice(choice)
}).pipe(Layer.provide(registry), Layer.provide(NodeHttp.layer()))

const program = Effect.gen(function*() {
  const info = yield* NodeWebhookServer.NodeWebhookServer
  const tracker = yield* RefundTracker.RefundTracker
  const store = yield* RefundStore.RefundStore
  Ipc.serve({
    url: info.url,
    dump: (ids) => Effect.runPromise(dump(store, ids)),
    // The same graceful stop as Ctrl-C on `refract serve`.
    stop: async () => void setImmediate(() => process.kill(process.pid, "SIGINT"))
  })
  // Each status change printed as one line, as serve does.
  return yield* tracker.changes.pipe(
    Stream.runForEach((change) => Console.log(changeLine(change))),
    Effect.andThen(Effect.never)
  )
}).pipe(Effect.provide(server))

NodeRuntime.runMain(program.pipe(Effect.provide(NodeServices.layer)), { disableErrorReporting: false })
