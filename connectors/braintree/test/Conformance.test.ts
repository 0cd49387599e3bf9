/**
 * The shared connector conformance suite, end to end against the Braintree emulator over loopback HTTP.
 * Braintree reports no reversals and has no RequiresAction state to cancel from: those scenarios are skipped,
 * visibly. The emulator's base URL is the gateway host; paths start with `/merchants/{merchant_id}/` on both sides.
 * Webhooks are signed with the API key pair: the receiver holds the public and the private key.
 */
import { BraintreeEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/braintree"

ConnectorConformance.run({
  connector,
  start: BraintreeEmulator.start,
  credentials: (emulator) => ({
    merchantId: emulator.credentials["merchantId"]!,
    publicKey: emulator.credentials["publicKey"]!,
    privateKey: emulator.credentials["privateKey"]!
  }),
  wrongCredentials: (emulator) => ({
    merchantId: emulator.credentials["merchantId"]!,
    publicKey: emulator.credentials["publicKey"]!,
    privateKey: "not-the-emulators-private-key-000"
  }),
  webhookSecrets: (emulator) => ({ publicKey: emulator.credentials["publicKey"]!, privateKey: emulator.webhookSecret }),
  otherWebhookSecret: "not-the-emulators-private-key-000",
  signedTimestamp: false
})
