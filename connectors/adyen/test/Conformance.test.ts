/**
 * The shared connector conformance suite, end to end against the Adyen emulator over loopback HTTP.
 * Adyen has no status endpoint: the suite settles refunds through signed REFUND notifications.
 */
import { AdyenEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/adyen"

ConnectorConformance.run({
  connector,
  start: AdyenEmulator.start,
  credentials: (emulator) => ({ apiKey: emulator.credentials["apiKey"]!, merchantAccount: emulator.credentials["merchantAccount"]! }),
  wrongCredentials: (emulator) => ({ apiKey: "AQEwrongwrongwrongwrongwrongkey", merchantAccount: emulator.credentials["merchantAccount"]! }),
  webhookSecrets: (emulator) => ({ hmacKey: emulator.webhookSecret }),
  otherWebhookSecret: "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF",
  overRefund: "failed-later"
})
