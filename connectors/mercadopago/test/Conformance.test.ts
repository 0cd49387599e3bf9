/**
 * The shared connector conformance suite, end to end against the Mercado Pago emulator over loopback HTTP.
 * Refunds settle by polling the payment (`GET /v1/payments/{id}` carries the currency and the refunds).
 *
 * The connector refund id is the composite `<payment id>:<refund id>` (see `MercadoPagoSchema.refundId`); the
 * emulator knows the refund by its own numeric id.
 */
import { MercadoPagoEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector, MercadoPagoSchema } from "@refract/mercadopago"

ConnectorConformance.run({
  connector,
  start: MercadoPagoEmulator.start,
  wrongCredentials: () => ({ accessToken: "TEST-0000000000000000-010101-00000000000000000000000000000000-000000000" }),
  otherWebhookSecret: "not-the-emulators-secret-signature",
  signedTimestamp: false,
  emulatorRefundId: (connectorRefundId) => {
    const parts = MercadoPagoSchema.parseRefundId(connectorRefundId)
    return parts._tag === "Success" ? parts.success.refundId : connectorRefundId
  }
})
