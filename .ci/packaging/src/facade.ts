/**
 * The Promise facade as a non-Effect application uses it, against the Stripe emulator from
 * @refract/testkit on loopback (never a real processor).
 */
import { PaymentClient, RefundError } from "@refract/core"
import { connector as stripe } from "@refract/stripe"
import { StripeEmulator } from "@refract/testkit"
import { check, deadline } from "./check.js"

deadline(60_000, "facade")
console.log(`facade (Node ${process.version})`)
const emulator = await StripeEmulator.start({ clock: "manual" })
try {
  const payment = await emulator.createPayment({ amount: 2500, currency: "usd" })
  // The connector passed as a value; the registered-by-id form is checked below.
  const client = new PaymentClient({
    connector: stripe,
    apiKey: emulator.credentials["apiKey"],
    environment: "sandbox",
    baseUrl: emulator.url
  })
  try {
    const refund = await client.refund({
      merchantRefundId: "packaging-facade-1",
      connectorTransactionId: payment,
      amount: { amount: 1000, currency: "USD" }
    })
    check(refund.simpleStatus === "PENDING", `refund created PENDING (${refund.connectorRefundId})`)
    check(refund.amount?.amount === 1000 && refund.amount.currency === "USD", "refund amount is 10.00 USD")

    const read = await client.refunds.get(refund.connectorRefundId)
    check(read.connectorRefundId === refund.connectorRefundId, "refunds.get reads the same refund back")
    check(read.simpleStatus === "PENDING", "still PENDING before the emulator clock moves")

    await emulator.clock.advance(2_000)
    const settled = await client.refunds.get(refund.connectorRefundId)
    check(settled.simpleStatus === "SUCCEEDED", `SUCCEEDED after the emulator settles it (${settled.simpleStatus})`)

    const again = await client.refund({
      merchantRefundId: "packaging-facade-1",
      connectorTransactionId: payment,
      amount: { amount: 1000, currency: "USD" }
    })
    check(again.connectorRefundId === refund.connectorRefundId, "the same merchantRefundId never refunds twice")

    const failure = await client.refunds.get("re_doesnotexist").then(
      () => undefined,
      (error: unknown) => error
    )
    check(failure instanceof RefundError, "an unknown refund rejects with a RefundError (instanceof works)")
    const reason = (failure as RefundError).reason._tag
    check(reason === "NotFound", `its reason is NotFound (${String(reason)})`)

    PaymentClient.register(stripe)
    const byId = new PaymentClient({ connector: "stripe", apiKey: emulator.credentials["apiKey"], baseUrl: emulator.url })
    try {
      const found = await byId.refunds.get(refund.connectorRefundId)
      check(found.simpleStatus === "SUCCEEDED", "a registered connector named by id reads the refund")
      check(JSON.parse(JSON.stringify(found)).simpleStatus === "SUCCEEDED", "JSON.stringify keeps simpleStatus")
    } finally {
      await byId.close()
    }
  } finally {
    await client.close()
  }
} finally {
  await emulator.close()
}
console.log("facade: passed")
