/**
 * The shared connector conformance suite, end to end against the PayPal emulator over loopback HTTP.
 *
 * PayPal authenticates with an OAuth2 access token (`POST /v1/oauth2/token`) before the first refund;
 * the suite aims its faults at the refund request the connector builds, so the token request is
 * exercised too but never faulted here. `PayPalEmulator.test.ts` covers the token itself: one fetch for
 * many concurrent refunds, refresh after revocation and expiry, none for invalid input.
 *
 * The emulator signs webhooks with its own self-signed certificate served on loopback; the connector
 * only fetches certificates from PayPal's API hosts, so the certificate is pinned (certificatePem).
 */
import { PayPalEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/paypal"

ConnectorConformance.run({
  connector,
  start: PayPalEmulator.start,
  credentials: (e) => ({ clientId: e.credentials["clientId"]!, clientSecret: e.credentials["clientSecret"]! }),
  wrongCredentials: (e) => ({ clientId: e.credentials["clientId"]!, clientSecret: "EWrongSecretWrongSecretWrongSecretWrongSecret" }),
  webhookSecrets: (e) => ({ webhookId: e.webhookSecret, certificatePem: (e as PayPalEmulator.PayPalEmulatorHandle).certificatePem }),
  otherWebhookSecret: "1AB23456CD7890123",
  signedTimestamp: false
})
