/**
 * What Refract's execution pipeline costs per call, side by side in one run, against the same
 * Stripe emulator on loopback: a raw `fetch`, the official `stripe` SDK, and Refract (build,
 * idempotency key, retries armed, spans, metrics, parse, state machine). Run: `npm run bench`
 * (or `node connectors/stripe/bench/pipeline.bench.ts`). Interleaved rounds, so machine noise hits
 * all three alike; numbers are per call, in milliseconds.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { FetchHttpClient } from "effect/http"
import Stripe from "stripe"
import { ConnectorRegistry, RefundService } from "@refract/core"
import { StripeEmulator } from "@refract/testkit"
import { StripeConnector } from "@refract/stripe"

const key = "sk_test_emulator"
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 300)
const warmup = 30

const emulator = await StripeEmulator.start({ clock: "manual" })
// One large payment that every refund draws from.
const payment = await emulator.createPayment({ amount: 1_000_000_000, currency: "USD" })
const runtime = ManagedRuntime.make(
  RefundService.layer(StripeConnector.layer({ apiKey: key, baseUrl: emulator.url })).pipe(
    Layer.provide(FetchHttpClient.layer)
  ) as Layer.Layer<RefundService.RefundService | ConnectorRegistry.ConnectorRegistry, unknown>
)
const sdk = new Stripe(key, { host: "127.0.0.1", port: Number(new URL(emulator.url).port), protocol: "http", maxNetworkRetries: 0 })
let n = 0
const parameter = payment.startsWith("pi_") ? "payment_intent" : "charge"

const contenders: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
  ["raw fetch + JSON.parse", async () => {
    const id = `bench-raw-${n++}`
    const response = await fetch(`${emulator.url}/v1/refunds`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/x-www-form-urlencoded", "idempotency-key": id },
      body: new URLSearchParams({ [parameter]: payment, amount: "1", "metadata[merchant_refund_id]": id }).toString()
    })
    if (!response.ok) throw new Error(`raw fetch: HTTP ${response.status}`)
    return response.json()
  }],
  ["official stripe SDK", () => {
    const id = `bench-sdk-${n++}`
    return sdk.refunds.create({ [parameter]: payment, amount: 1, metadata: { merchant_refund_id: id } }, { idempotencyKey: id })
  }],
  ["Refract RefundService.create", () =>
    runtime.runPromise(Effect.gen(function*() {
      const refunds = yield* RefundService.RefundService
      return yield* refunds.create("stripe", {
        merchantRefundId: `bench-refract-${n++}`,
        connectorTransactionId: payment,
        amount: { amount: 1, currency: "USD" }
      })
    }))]
]

const samples = new Map<string, Array<number>>(contenders.map(([name]) => [name, []]))
for (let round = 0; round < warmup + rounds; round++) {
  for (const [name, call] of contenders) {
    const started = performance.now()
    await call()
    if (round >= warmup) samples.get(name)!.push(performance.now() - started)
  }
}

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
console.log(`create a refund against the Stripe emulator, ${rounds} interleaved rounds (after ${warmup} warm-up), ms per call`)
console.log("contender                       mean     p50     p95     p99")
for (const [name, values] of samples) {
  const sorted = [...values].sort((a, b) => a - b)
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const cols = [mean, quantile(sorted, 0.5), quantile(sorted, 0.95), quantile(sorted, 0.99)].map((v) => v.toFixed(3).padStart(7))
  console.log(`${name.padEnd(30)} ${cols.join(" ")}`)
}
await runtime.dispose()
await emulator.close()
