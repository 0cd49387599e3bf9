/**
 * The shared connector conformance suite, end to end against the GoCardless emulator over loopback HTTP.
 * GoCardless has no refund cancel endpoint: that scenario is skipped, visibly. Its webhooks sign no timestamp.
 */
import { GoCardlessEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/gocardless"

ConnectorConformance.run({
  connector,
  start: GoCardlessEmulator.start,
  credentials: (emulator) => ({ accessToken: emulator.credentials["accessToken"]! }),
  wrongCredentials: () => ({ accessToken: "sandbox_NotTheEmulatorsToken0123456789" }),
  webhookSecrets: (emulator) => ({ webhookSecret: emulator.webhookSecret }),
  otherWebhookSecret: "not-the-emulators-webhook-endpoint-secret",
  signedTimestamp: false
})
