/**
 * The alternative to the cluster: core's in-process `RefundTracker`, in an application process that
 * creates its refunds through it, for the cluster bench. Argv[2] is the job as JSON.
 *
 * The server is built as `refract serve --database-url …` (without `--cluster`) builds it
 * (packages/cli/src/commands/serve.ts): the Stripe connector with its webhook secret next to
 * RefundService in the ConnectorRegistry, `@refract/node`'s NodeWebhookServer (webhook route, ops
 * routes, the in-process tracker with the same timing flags as the runners) over the PostgreSQL store
 * `StoreConfig.layerFromChoice` builds, NodeHttp, and every status change printed as one line.
 *
 * `refract serve` has no route to create refunds, and the in-process tracker follows only refunds
 * committed through its own process's store (or found unsettled when it starts): so the creates run
 * here, through `RefundTracker.create`, as an application embedding the tracker runs them. That is
 * the same work the cluster does per workflow (the create at Stripe with its intent stored first,
 * then polls and webhooks until the refund settles), minus the durability.
 *
 * IPC: sends `{ type: "ready", port }`; on `{ type: "run", batch, concurrency }` creates the batch
 * and answers `{ type: "done", results, failures }` once the tracker follows none of them any more
 * (sampled every 20 ms: a refund's finish is the first sample that no longer finds it in `tracked`).
 */
import { changeLine } from "@refract/cli/commands/serve"
import { ConnectorRegistry, RefundService, RefundTracker } from "@refract/core"
import type { RefundStore } from "@refract/core"
import { NodeHttp, NodeWebhookServer } from "@refract/node"
import * as StoreConfig from "@refract/store-pg/StoreConfig"
import { StripeConnector } from "@refract/stripe"
import { Console, Duration, Layer, ManagedRuntime, Redacted, Stream } from "effect"

export interface Job {
  readonly databaseUrl: string
  readonly stripe: { readonly url: string; readonly apiKey: string; readonly webhookSecret: string }
  readonly tracker: {
    readonly initialDelayMillis: number
    readonly maxDelayMillis: number
    readonly reversalWindowMillis: number
  }
}

export interface Item {
  readonly merchantRefundId: string
  readonly payment: string
  readonly amount: number
}

export interface Finished {
  readonly merchantRefundId: string
  /** Epoch ms: the create was called. */
  readonly startedAt: number
  /** Epoch ms: the create returned the refund. */
  readonly createdAt: number
  /** Epoch ms: the tracker no longer followed it. */
  readonly finishedAt: number
}

const job = JSON.parse(process.argv[2]!) as Job

const registry = Layer.mergeAll(
  RefundService.RefundService.layer,
  ConnectorRegistry.register(StripeConnector.connector, {
    credentials: { apiKey: Redacted.make(job.stripe.apiKey) },
    baseUrl: job.stripe.url,
    webhookSecrets: { signingSecret: Redacted.make(job.stripe.webhookSecret) }
  })
).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer))

const server = NodeWebhookServer.layer({
  port: 0,
  host: "127.0.0.1",
  maxBodyBytes: 1_048_576,
  store: StoreConfig.layerFromChoice({ _tag: "Postgres", url: Redacted.make(job.databaseUrl), schema: "public" }),
  tracker: {
    initialDelay: Duration.millis(job.tracker.initialDelayMillis),
    maxDelay: Duration.millis(job.tracker.maxDelayMillis),
    reversalWindow: Duration.millis(job.tracker.reversalWindowMillis)
  }
}).pipe(Layer.provide(registry), Layer.provide(NodeHttp.layer()))

const runtime = ManagedRuntime.make(server as Layer.Layer<NodeWebhookServer.NodeWebhookServer | RefundTracker.RefundTracker | RefundStore.RefundStore, unknown>)
const info = await runtime.runPromise(NodeWebhookServer.NodeWebhookServer)
const tracker = await runtime.runPromise(RefundTracker.RefundTracker)
// Each status change printed as one line, as serve does.
runtime.runFork(tracker.changes.pipe(Stream.runForEach((change) => Console.log(changeLine(change)))))

const keyString = (connector: string, connectorRefundId: string) => `${connector}\u0000${connectorRefundId}`

const run = async (batch: ReadonlyArray<Item>, concurrency: number) => {
  const open = new Map<string, { readonly merchantRefundId: string; readonly startedAt: number; readonly createdAt: number }>()
  const results: Array<Finished> = []
  const failures: Array<string> = []
  let creating = true
  const sample = () => {
    if (open.size === 0) return
    const followed = new Set(runtime.runSync(tracker.tracked).map((k) => keyString(k.connector, k.connectorRefundId)))
    const now = Date.now()
    for (const [key, o] of open) {
      if (followed.has(key)) continue
      open.delete(key)
      results.push({ ...o, finishedAt: now })
    }
  }
  const sampler = setInterval(sample, 20)
  const queue = [...batch]
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const startedAt = Date.now()
      try {
        const refund = await runtime.runPromise(tracker.create("stripe", {
          merchantRefundId: item.merchantRefundId,
          connectorTransactionId: item.payment,
          amount: { amount: item.amount, currency: "EUR" }
        }))
        open.set(keyString(refund.connector, refund.connectorRefundId), { merchantRefundId: item.merchantRefundId, startedAt, createdAt: Date.now() })
      } catch (error) {
        failures.push(`${item.merchantRefundId}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }))
  creating = false
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (!creating && open.size === 0) {
        clearInterval(check)
        resolve()
      }
    }, 20)
  })
  clearInterval(sampler)
  return { results, failures }
}

process.on("message", (m: { readonly type?: string; readonly batch?: ReadonlyArray<Item>; readonly concurrency?: number }) => {
  if (m.type !== "run") return
  run(m.batch ?? [], m.concurrency ?? 32).then(
    ({ failures, results }) => process.send?.({ type: "done", results, failures }),
    (error: unknown) => process.send?.({ type: "error", error: String(error) })
  )
})
process.on("SIGTERM", () => void runtime.dispose().finally(() => process.exit(0)))
process.send?.({ type: "ready", port: Number(new URL(info.url).port) })
