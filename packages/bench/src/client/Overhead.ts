/**
 * Refract's own CPU cost per call, without a network: `RefundService.get` and `create` against an
 * HttpClient that answers a canned Stripe refund at once. `node Overhead.ts [calls] [direct|execute]` prints
 * microseconds per call; run it under `node --cpu-prof` to see where Refract spends its time.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { DirectExchange, RefundService } from "@refract/core"
import { StripeConnector } from "@refract/stripe"
import { refundObject } from "./StandIn.ts"

const calls = Number(process.argv[2] ?? 20_000)
const canned = HttpClient.make((request) => {
  const id = request.method === "GET" ? request.url.slice(request.url.lastIndexOf("/") + 1) : "re_3Pbenchcreated"
  return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(JSON.stringify(refundObject(id, 1_764_900_000)), {
    status: 200,
    headers: { "content-type": "application/json", "request-id": "req_bench" }
  })))
})
// `direct` (the default): the client carries a direct exchange, as NodeHttp's does; `execute`: through HttpClient.execute.
const mode = process.argv[3] ?? "direct"
const client = mode === "execute" ? canned : DirectExchange.withExchange(canned, (request) => {
  const id = request.method === "GET" ? request.url.slice(request.url.lastIndexOf("/") + 1) : "re_3Pbenchcreated"
  return Effect.succeed({
    status: 200,
    headers: { "content-type": "application/json", "request-id": "req_bench" },
    body: JSON.stringify(refundObject(id, 1_764_900_000))
  })
})
const runtime = ManagedRuntime.make(
  RefundService.layer(StripeConnector.layer({ apiKey: "sk_test_bench_0123456789abcdef", baseUrl: "http://127.0.0.1:9" })).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
  ) as Layer.Layer<RefundService.RefundService>
)
const service = await runtime.runPromise(Effect.gen(function*() {
  return yield* RefundService.RefundService
}))
const time = async (name: string, call: (i: number) => Promise<unknown>) => {
  for (let i = 0; i < 2000; i++) await call(i)
  const started = performance.now()
  const cpu = process.cpuUsage()
  for (let i = 0; i < calls; i++) await call(i)
  const used = process.cpuUsage(cpu)
  // CPU time is the figure to compare across runs: wall time also counts whatever else the machine runs.
  console.log(`${name}: ${((used.user + used.system) / calls).toFixed(1)} µs CPU, ${((performance.now() - started) * 1000 / calls).toFixed(1)} µs wall per call`)
}
await time("get", (i) => runtime.runPromise(service.get("stripe", `re_3Pbench${i}`)))
await time("create", (i) =>
  runtime.runPromise(service.create("stripe", { merchantRefundId: `order-${i}`, connectorTransactionId: "ch_3PbenchXXXXXXXXXX1a2b3c", amount: { amount: 1050, currency: "USD" } })))
await runtime.dispose()
