/**
 * The shared connector conformance suite, end to end against the Mollie emulator over loopback HTTP.
 * Both sides agree that the base URL is the API host and paths start with `/v2/` (as in @mollie/api-client,
 * whose root is `https://api.mollie.com:443/v2/`). Mollie's classic webhooks are unsigned pings read back as
 * notices: the suite skips the signature scenarios for such connectors (no secrets declared) and checks instead
 * that a ping names the refund's payment and that reading it back gives the refund's state.
 */
import { MollieEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/mollie"

ConnectorConformance.run({
  connector,
  start: MollieEmulator.start,
  credentials: (emulator) => ({ apiKey: emulator.credentials["apiKey"]! }),
  wrongCredentials: () => ({ apiKey: "test_WrongKeyWrongKeyWrongKeyWrongKey00" }),
  webhookSecrets: () => ({}),
  otherWebhookSecret: "not-used-classic-webhooks-are-unsigned",
  currency: "EUR",
  signedTimestamp: false,
  // "A queued refund can be canceled"; pending: "You can still cancel the refund" (docs "Refund statuses").
  cancelsPending: true
})
