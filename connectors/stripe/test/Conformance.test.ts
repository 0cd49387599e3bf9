/**
 * The shared connector conformance suite, end to end against the Stripe emulator over loopback HTTP.
 */
import { StripeEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/stripe"

ConnectorConformance.run({
  connector,
  start: StripeEmulator.start,
  wrongCredentials: () => ({ apiKey: "sk_test_51WrongKeyWrongKeyWrongKey" }),
  otherWebhookSecret: "whsec_not_the_emulators_secret",
  signedTimestamp: true
})
