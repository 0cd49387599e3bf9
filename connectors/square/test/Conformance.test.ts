/**
 * The shared connector conformance suite, end to end against the Square emulator over loopback HTTP.
 * Square signs webhooks over the notification URL + body (no timestamp), so the suite is told the URL
 * the emulator signs for.
 */
import { SquareEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/square"

const WEBHOOK_URL = "https://example.test/webhooks/square"

ConnectorConformance.run({
  connector,
  start: SquareEmulator.start,
  credentials: (emulator) => ({ accessToken: emulator.credentials["accessToken"]! }),
  wrongCredentials: () => ({ accessToken: "EAAAwrongWrongWrongWrongWrongWrongWrongWrongWrongWrongWrongWrong" }),
  webhookSecrets: (emulator) => ({ signatureKey: emulator.webhookSecret, notificationUrl: WEBHOOK_URL }),
  otherWebhookSecret: "not-the-emulators-signature-key",
  signedTimestamp: false,
  webhookUrl: WEBHOOK_URL
})
