/**
 * `npm run bench -- --only search`: the support search over a store of `--stored N` refunds
 * (default 100,000) in an embedded PostgreSQL, measured three ways in one run, each query kind
 * sequentially (one support agent at a time):
 *
 * - **API**: `GET /refunds?…` over HTTP, with the bearer token, through `refract serve`'s server
 *   (`NodeWebhookServer` with the refunds API);
 * - **store**: `RefundStore.search` in process (what the API calls, without HTTP and JSON);
 * - **SQL**: the equivalent statement on the same pool, decoding nothing (the floor).
 *
 * Reported as p50 / p95 / p99 in milliseconds, and the API's p50 as a ratio of the SQL floor.
 */
import { NodeHttp, NodeWebhookServer } from "@refract/node"
import { PgClient } from "@effect/sql-pg"
import { PgRefundStore } from "@refract/store-pg"
import * as Embedded from "@refract/store-pg/Embedded"
import { ConnectorRegistry, Money, Refund, RefundStore } from "@refract/core"
import type { RefundStatus } from "@refract/core"
import { StripeConnector } from "@refract/stripe"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as os from "node:os"
import { performance } from "node:perf_hooks"

const TOKEN = "rfk_bench_0123456789abcdef0123456789abcdef"
const day = 86_400_000

export interface Row {
  readonly query: string
  readonly found: number
  readonly api: Percentiles
  readonly store: Percentiles
  readonly sql: Percentiles
}
export interface Percentiles {
  readonly p50: number
  readonly p95: number
  readonly p99: number
}
export interface Result {
  readonly stored: number
  readonly seedSeconds: number
  readonly samples: number
  readonly machine: string
  readonly rows: ReadonlyArray<Row>
}

const percentiles = (values: Array<number>): Percentiles => {
  const sorted = values.toSorted((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) }
}

const statuses: ReadonlyArray<RefundStatus.RefundStatus> = ["Succeeded", "Succeeded", "Succeeded", "Pending", "Failed", "RequiresAction"]
const raw: Record<string, string> = { Succeeded: "succeeded", Pending: "pending", Failed: "failed", RequiresAction: "requires_action" }

export const runSearchBench = async (options: { readonly stored: number; readonly samples?: number; readonly log: (line: string) => void }): Promise<Result> => {
  const samples = options.samples ?? 200
  const server = await Embedded.start({ database: "refract_search_bench" })
  try {
    const url = Redacted.value(server.url)
    const sql = PgClient.layer({ url: Redacted.make(url), maxConnections: 16 })
    const store = PgRefundStore.layer({}).pipe(Layer.provide(sql))
    // Nothing here calls a processor: the tracker does not follow the seeded refunds, and the connector
    // points at a closed loopback port rather than Stripe.
    const connectors = StripeConnector.layer({ apiKey: "sk_test_bench", webhookSecret: "whsec_bench", baseUrl: "http://127.0.0.1:9" }).pipe(
      Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer),
      Layer.provideMerge(NodeHttp.layer())
    )
    const app = NodeWebhookServer.layer({ port: 0, host: "127.0.0.1", store, api: { tokens: [Redacted.make(TOKEN)] }, ops: false, tracker: { resume: false, followStore: false } }).pipe(
      Layer.provideMerge(Layer.mergeAll(connectors, sql))
    )
    const runtime = ManagedRuntime.make(app)
    try {
      const { url: base } = await runtime.runPromise(Effect.service(NodeWebhookServer.NodeWebhookServer))
      const refundStore = await runtime.runPromise(Effect.service(RefundStore.RefundStore))
      const client = await runtime.runPromise(Effect.service(SqlClient.SqlClient))

      // Seed through the store's own write path (group commit), as refunds would arrive.
      const now = Date.now()
      const seedStart = performance.now()
      let done = 0
      await runtime.runPromise(Effect.forEach(Array.from({ length: options.stored }, (_, i) => i), (i) => {
        const status = statuses[i % statuses.length]!
        return refundStore.apply({
          connector: "stripe",
          snapshot: new Refund.RefundSnapshot({
            connectorRefundId: `re_bench_${i}`,
            connectorTransactionId: `pi_bench_${i % 40_000}`,
            merchantRefundId: `order-${i}`,
            amount: Money.make(100 + (i % 9_000), "EUR"),
            status,
            rawStatus: raw[status]!,
            createdAt: now - 90 * day + Math.floor((i / options.stored) * 90 * day),
            occurredAt: now - 90 * day + Math.floor((i / options.stored) * 90 * day) + 60_000
          }),
          source: "poll",
          receivedAt: now
        }).pipe(Effect.tap(() => Effect.sync(() => {
          if (++done % 20_000 === 0) options.log(`  seeded ${done.toLocaleString("en")}`)
        })))
      }, { concurrency: 256, discard: true }))
      const seedSeconds = (performance.now() - seedStart) / 1000
      await runtime.runPromise(client.unsafe("ANALYZE public.refract_refunds"))

      const pick = (n: number) => Math.floor(Math.random() * n)
      const kinds: ReadonlyArray<{ readonly name: string; readonly params: () => Record<string, string>; readonly sql: (p: Record<string, string>) => readonly [string, Array<unknown>] }> = [
        {
          name: "by merchant refund id (q)",
          params: () => ({ q: `order-${pick(options.stored)}` }),
          sql: (p) => ["SELECT refund FROM public.refract_refunds WHERE merchant_refund_id = $1 OR connector_refund_id = $1 OR (refund->>'connectorTransactionId') = $1 ORDER BY updated_at DESC, connector, connector_refund_id LIMIT 51", [p["q"]]]
        },
        {
          name: "by payment id (q)",
          params: () => ({ q: `pi_bench_${pick(40_000)}` }),
          sql: (p) => ["SELECT refund FROM public.refract_refunds WHERE merchant_refund_id = $1 OR connector_refund_id = $1 OR (refund->>'connectorTransactionId') = $1 ORDER BY updated_at DESC, connector, connector_refund_id LIMIT 51", [p["q"]]]
        },
        {
          name: "connector + status, first page of 50",
          params: () => ({ connector: "stripe", status: "Pending" }),
          sql: () => ["SELECT refund FROM public.refract_refunds WHERE connector = $1 AND status = ANY($2::text[]) ORDER BY updated_at DESC, connector, connector_refund_id LIMIT 51", ["stripe", ["Pending"]]]
        },
        {
          name: "stuck (pending past 24 h)",
          params: () => ({ stuck: "true" }),
          sql: () => ["SELECT refund FROM public.refract_refunds WHERE status = ANY($1::text[]) AND created_at < $2 ORDER BY updated_at DESC, connector, connector_refund_id LIMIT 51", [["Pending", "RequiresAction"], Date.now() - day]]
        },
        {
          name: "created in a 7-day range",
          params: () => {
            const from = now - 90 * day + pick(80) * day
            return { created_from: String(from), created_to: String(from + 7 * day) }
          },
          sql: (p) => ["SELECT refund FROM public.refract_refunds WHERE created_at >= $1 AND created_at < $2 ORDER BY updated_at DESC, connector, connector_refund_id LIMIT 51", [Number(p["created_from"]), Number(p["created_to"])]]
        }
      ]
      const rows: Array<Row> = []
      for (const kind of kinds) {
        const api: Array<number> = []
        const inStore: Array<number> = []
        const raw: Array<number> = []
        let found = 0
        for (let i = 0; i < samples + 20; i++) {
          const params = kind.params()
          const query = new URLSearchParams(params).toString()
          const t0 = performance.now()
          const response = await fetch(`${base}/refunds?${query}`, { headers: { authorization: `Bearer ${TOKEN}` } })
          const body = await response.json() as { refunds?: Array<unknown> }
          const t1 = performance.now()
          if (response.status !== 200) throw new Error(`search ${query} answered ${response.status}`)
          const searchQuery = {
            ...(params["q"] !== undefined ? { id: params["q"] } : {}),
            ...(params["connector"] !== undefined ? { connector: params["connector"] } : {}),
            ...(params["status"] !== undefined ? { statuses: [params["status"] as RefundStatus.RefundStatus] } : {}),
            ...(params["stuck"] !== undefined ? { statuses: ["Pending", "RequiresAction"] as Array<RefundStatus.RefundStatus>, created: { to: Date.now() - day } } : {}),
            ...(params["created_from"] !== undefined ? { created: { from: Number(params["created_from"]), to: Number(params["created_to"]) } } : {})
          }
          const t2 = performance.now()
          await runtime.runPromise(refundStore.search(searchQuery))
          const t3 = performance.now()
          const [text, values] = kind.sql(params)
          await runtime.runPromise(client.unsafe(text, values))
          const t4 = performance.now()
          if (i >= 20) {
            api.push(t1 - t0)
            inStore.push(t3 - t2)
            raw.push(t4 - t3)
            found += body.refunds?.length ?? 0
          }
        }
        rows.push({ query: kind.name, found: Math.round(found / samples), api: percentiles(api), store: percentiles(inStore), sql: percentiles(raw) })
        options.log(`  ${kind.name}: done`)
      }
      return { stored: options.stored, seedSeconds, samples, machine: `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}`, rows }
    } finally {
      await runtime.dispose()
    }
  } finally {
    await server.stop()
  }
}

const ms = (p: Percentiles) => `${p.p50.toFixed(2)} / ${p.p95.toFixed(2)} / ${p.p99.toFixed(2)}`

export const table = (result: Result): string =>
  [
    "| query | refunds per answer | API over HTTP p50 / p95 / p99 ms | store.search | SQL alone | API p50 ÷ SQL p50 |",
    "|---|---:|---:|---:|---:|---:|",
    ...result.rows.map((r) => `| ${r.query} | ${r.found} | ${ms(r.api)} | ${ms(r.store)} | ${ms(r.sql)} | ${(r.api.p50 / r.sql.p50).toFixed(1)}× |`)
  ].join("\n")
