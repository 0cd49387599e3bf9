/**
 * The shared connector conformance suite, end to end against the Authorize.net emulator over loopback HTTP.
 * The payment reference the suite passes is the emulator's `createPayment` answer, `<transId>:<last four>`,
 * which is what the connector takes. Authorize.net reports no reversal and the connector cannot cancel
 * (voidTransaction is not offered): those scenarios are skipped, visibly. A retried create is refused by
 * the duplicate window with the original transaction's id, which the connector reads as that refund.
 * Authorize.net answers bad credentials and declines with HTTP 200 and an error body: the connector's
 * parser fails with the refusal's reason, which the core treats like a 4xx.
 */
import { AuthorizeNetEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/authorizenet"

ConnectorConformance.run({
  connector,
  start: AuthorizeNetEmulator.start,
  credentials: (emulator) => ({ apiLoginId: emulator.credentials["apiLoginId"]!, transactionKey: emulator.credentials["transactionKey"]! }),
  wrongCredentials: (emulator) => ({ apiLoginId: emulator.credentials["apiLoginId"]!, transactionKey: "WrongKey00000000" }),
  webhookSecrets: (emulator) => ({ signatureKey: emulator.webhookSecret }),
  otherWebhookSecret: "0123456789ABCDEF".repeat(8),
  signedTimestamp: false
})
