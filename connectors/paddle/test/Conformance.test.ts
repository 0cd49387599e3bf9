/**
 * The shared connector conformance suite, end to end against the Paddle emulator over loopback HTTP.
 * Paddle has no cancelled refund state and no cancel endpoint: those scenarios are skipped, visibly.
 * Partial refunds name the transaction's line item in `metadata.paddle_item_id`; the emulator's transactions
 * have one line item, `PaddleEmulator.lineItemIdOf(transactionId)` (what `GET /transactions/:id` reports).
 */
import { PaddleEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/paddle"

ConnectorConformance.run({
  connector,
  start: PaddleEmulator.start,
  credentials: (emulator) => ({ apiKey: emulator.credentials["apiKey"]! }),
  wrongCredentials: () => ({ apiKey: "pdl_sdbx_apikey_01wrongkey000000000000000000_WrongSecretPart000000000000" }),
  webhookSecrets: (emulator) => ({ webhookSecret: emulator.webhookSecret }),
  otherWebhookSecret: "pdl_ntfset_01notthesecret000000000000000_NotTheEmulatorsSecret00000",
  signedTimestamp: true,
  refundMetadata: (paymentId) => ({ paddle_item_id: PaddleEmulator.lineItemIdOf(paymentId) })
})
