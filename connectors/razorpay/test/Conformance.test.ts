/**
 * The shared connector conformance suite, end to end against the Razorpay emulator over loopback HTTP.
 * Razorpay refunds cannot be cancelled or reversed: those scenarios are skipped, visibly.
 * Both sides agree that the base URL is the API host and paths start with `/v1/` (as in razorpay-node).
 */
import { RazorpayEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/razorpay"

ConnectorConformance.run({
  connector,
  start: RazorpayEmulator.start,
  credentials: (emulator) => ({ keyId: emulator.credentials["keyId"]!, keySecret: emulator.credentials["keySecret"]! }),
  wrongCredentials: (emulator) => ({ keyId: emulator.credentials["keyId"]!, keySecret: "wrongKeySecretWrongKeySecret00" }),
  webhookSecrets: (emulator) => ({ webhookSecret: emulator.webhookSecret }),
  otherWebhookSecret: "not-the-emulators-webhook-secret",
  signedTimestamp: false
})
