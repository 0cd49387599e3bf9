/**
 * @refract/core and @refract/stripe on the lowest Node they declare (20.19.0), where @refract/testkit
 * (on @effect/platform-node, Node >= 22.19) is not supported: the Stripe emulator runs in another
 * process on REFRACT_EMULATOR_NODE (`refract emulator stripe`), and this process only uses core, the
 * connector and fetch. The Promise facade and an Effect program, on loopback.
 */
import { PaymentClient, RefundError, RefundService } from "@refract/core"
import { connector as stripe, StripeConnector } from "@refract/stripe"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { check, deadline, refractBin, startStripeEmulator } from "./check.js"

deadline(90_000, "core-remote")
const emulatorNode = process.env["REFRACT_EMULATOR_NODE"]
if (emulatorNode === undefined) throw new Error("REFRACT_EMULATOR_NODE: the Node that runs the emulator")
console.log(`core and stripe (Node ${process.version}) against an emulator in another process`)
const started = await startStripeEmulator(emulatorNode, refractBin())
const emulator = started.process
try {
  const baseUrl = started.baseUrl
  const payment = async (amount: number) => ((await (await fetch(`${baseUrl}/__emulator/payments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ amount, currency: "USD" })
  })).json()) as { id: string }).id

  // The Promise facade.
  const client = new PaymentClient({ connector: stripe, apiKey: "sk_test_emulator", baseUrl })
  try {
    const pi = await payment(2500)
    const refund = await client.refund({ merchantRefundId: "packaging-core-min-1", connectorTransactionId: pi, amount: { amount: 1000, currency: "USD" } })
    check(refund.simpleStatus === "PENDING", `facade: refund created PENDING (${refund.connectorRefundId})`)
    const settled = await client.refunds.waitUntilSettled(refund, { deadlineMillis: 20_000, intervalMillis: 100 })
    check(settled.simpleStatus === "SUCCEEDED", `facade: settled SUCCEEDED (${settled.simpleStatus})`)
    const again = await client.refund({ merchantRefundId: "packaging-core-min-1", connectorTransactionId: pi, amount: { amount: 1000, currency: "USD" } })
    check(again.connectorRefundId === refund.connectorRefundId, "facade: the same merchantRefundId never refunds twice")
    const failure = await client.refunds.get("re_doesnotexist").then(() => undefined, (e: unknown) => e)
    check(failure instanceof RefundError && failure.reason._tag === "NotFound", "facade: an unknown refund is a RefundError NotFound")
  } finally {
    await client.close()
  }

  // The Effect API with effect's FetchHttpClient.
  const pi = await payment(4000)
  const program = Effect.gen(function*() {
    const refunds = yield* RefundService.RefundService
    const refund = yield* refunds.create("stripe", { merchantRefundId: "packaging-core-min-2", connectorTransactionId: pi, amount: { amount: 1500, currency: "USD" } })
    const settled = yield* refunds.pollUntilSettled("stripe", refund, { deadline: "20 seconds" })
    check(settled.simpleStatus === "SUCCEEDED", `effect: pollUntilSettled → SUCCEEDED (${settled.simpleStatus})`)
  })
  const Live = RefundService.layer(StripeConnector.layer({ apiKey: "sk_test_emulator", baseUrl })).pipe(Layer.provide(FetchHttpClient.layer))
  await Effect.runPromise(program.pipe(Effect.provide(Live)))
} finally {
  emulator.kill("SIGINT")
}
console.log("core-remote: passed")
