/**
 * The shared connector conformance suite, end to end against the Checkout.com emulator over loopback HTTP.
 * Checkout.com has a status read (the payment's actions), so refunds settle by polling; webhooks are
 * Cko-Signature deliveries, which sign no timestamp.
 *
 * Checkout.com has no refund resource: the emulator (like Checkout) knows a refund by its action id
 * (`act_…`), while the connector refund id is the composite `pay_…:act_…` (see `CheckoutSchema.refundId`).
 */
import { CheckoutEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { CheckoutSchema, connector } from "@refract/checkout"

ConnectorConformance.run({
  connector,
  start: CheckoutEmulator.start,
  credentials: (emulator) => ({ secretKey: emulator.credentials["secretKey"]! }),
  wrongCredentials: () => ({ secretKey: "sk_sbox_wrongwrongwrongwrongwrongwrong2" }),
  webhookSecrets: (emulator) => ({ signatureKey: emulator.webhookSecret }),
  otherWebhookSecret: "not-the-emulators-signature-key",
  signedTimestamp: false,
  emulatorRefundId: (connectorRefundId) => {
    const parts = CheckoutSchema.parseRefundId(connectorRefundId)
    return parts._tag === "Success" ? parts.success.actionId : connectorRefundId
  }
})
