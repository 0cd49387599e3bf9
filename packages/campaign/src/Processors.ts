/**
 * The processors a campaign runs: how to start each emulator, how to bind its connector to it,
 * and how to read the emulator's ground truth as a Refract status.
 *
 * The truth tables come from the processors' documented status meanings (../../shared/notes/processors.md),
 * not from the connectors: a campaign that judged the connectors by their own mapping would only
 * check that they agree with themselves.
 */
import type { BoundConnector, Connector, RefundStatus } from "@refract/core"
import { connector as adyen } from "@refract/adyen"
import { connector as authorizenet } from "@refract/authorizenet"
import { connector as braintree } from "@refract/braintree"
import { connector as checkout } from "@refract/checkout"
import { connector as gocardless } from "@refract/gocardless"
import { connector as mercadopago } from "@refract/mercadopago"
import { connector as paddle } from "@refract/paddle"
import { connector as mollie } from "@refract/mollie"
import { connector as paypal } from "@refract/paypal"
import { connector as razorpay } from "@refract/razorpay"
import { connector as square } from "@refract/square"
import { connector as stripe } from "@refract/stripe"
import {
  AdyenEmulator,
  AuthorizeNetEmulator,
  BraintreeEmulator,
  CheckoutEmulator,
  GoCardlessEmulator,
  MercadoPagoEmulator,
  PaddleEmulator,
  MollieEmulator,
  PayPalEmulator,
  RazorpayEmulator,
  SquareEmulator,
  StripeEmulator
} from "@refract/testkit"
import type { EmulatedRefund, Emulator, EmulatorClock, EmulatorHandle, Outcome } from "@refract/testkit"

export type Truth = RefundStatus.RefundStatus

export interface StartOptions {
  readonly clock: EmulatorClock.EmulatorClock
  readonly webhookUrl: string
  readonly webhooks: Emulator.WebhookOptions
  readonly settleAfterMillis: number
  readonly reversalAfterMillis: number
}

export interface Processor {
  readonly id: string
  readonly connector: Connector.Connector
  readonly start: (options: StartOptions) => Promise<EmulatorHandle>
  /** Credentials and webhook secrets for the connector (the base URL is the emulator's). */
  readonly options: (emulator: EmulatorHandle, webhookUrl: string) => Omit<BoundConnector.ConnectorOptions, "baseUrl">
  readonly currency: string
  /** The outcomes the campaign scripts for this processor. */
  readonly outcomes: ReadonlyArray<Outcome>
  /** The processor's raw refund status, as documented, in Refract's terms. */
  readonly classify: (raw: string) => Truth
  /**
   * Metadata a refund of `paymentId` needs besides the amount (Paddle: the line item a partial refund adjusts).
   * Default none.
   */
  readonly refundMetadata?: ((paymentId: string) => Readonly<Record<string, string>>) | undefined
  /**
   * The idempotency key the processor holds for a refund, where it takes none as such (Paddle de-duplicates
   * nothing; the connector writes the key into the adjustment's reason). Default: the key the emulator recorded.
   */
  readonly keyOf?: ((refund: EmulatedRefund) => string | undefined) | undefined
}

const table = (name: string, entries: Readonly<Record<string, Truth>>) => (raw: string): Truth => {
  const found = Object.hasOwn(entries, raw) ? entries[raw] : undefined
  if (found === undefined) throw new Error(`${name}: no documented meaning for raw status ${JSON.stringify(raw)}`)
  return found
}

const all: ReadonlyArray<Outcome> = ["succeeded", "failed", "canceled", "requires_action", "succeeded_then_reversed", "succeeded_then_failed"]

export const processors: ReadonlyArray<Processor> = [
  {
    id: "stripe",
    connector: stripe,
    start: (o) => StripeEmulator.start(o),
    options: (e) => ({ credentials: { apiKey: e.credentials["apiKey"]! }, webhookSecrets: { signingSecret: e.webhookSecret } }),
    currency: "usd",
    outcomes: all,
    // stripe-node Refunds.ts: pending, requires_action, succeeded, failed, canceled.
    classify: table("stripe", {
      pending: "Pending",
      requires_action: "RequiresAction",
      succeeded: "Succeeded",
      failed: "Failed",
      canceled: "Cancelled"
    })
  },
  {
    id: "adyen",
    connector: adyen,
    // Adyen batches notification items: several refunds in one delivery.
    start: (o) => AdyenEmulator.start({ ...o, batchNotifications: true }),
    options: (e) => ({
      credentials: { apiKey: e.credentials["apiKey"]!, merchantAccount: e.credentials["merchantAccount"]! },
      webhookSecrets: { hmacKey: e.webhookSecret }
    }),
    currency: "eur",
    // Adyen has no requires_action; a refund without a REFUND notification stays received.
    outcomes: ["succeeded", "failed", "succeeded_then_reversed", "succeeded_then_failed"],
    // Webhooks-v1.json: received (the API answer), REFUND true/false, REFUND_FAILED and
    // REFUNDED_REVERSED after a success.
    classify: table("adyen", {
      received: "Pending",
      refunded: "Succeeded",
      rejected: "Failed",
      refund_failed: "Reversed",
      refunded_reversed: "Reversed"
    })
  },
  {
    id: "paypal",
    connector: paypal,
    start: (o) => PayPalEmulator.start(o),
    options: (e) => ({
      credentials: { clientId: e.credentials["clientId"]!, clientSecret: e.credentials["clientSecret"]! },
      webhookSecrets: { webhookId: e.webhookSecret, certificatePem: (e as PayPalEmulator.PayPalEmulatorHandle).certificatePem }
    }),
    currency: "usd",
    outcomes: ["succeeded", "failed", "canceled"],
    // payments_payment_v2.json refund_status: PENDING, COMPLETED, FAILED, CANCELLED.
    classify: table("paypal", { PENDING: "Pending", COMPLETED: "Succeeded", FAILED: "Failed", CANCELLED: "Cancelled" })
  },
  {
    id: "checkout",
    connector: checkout,
    start: (o) => CheckoutEmulator.start(o),
    options: (e) => ({ credentials: { secretKey: e.credentials["secretKey"]! }, webhookSecrets: { signatureKey: e.webhookSecret } }),
    currency: "gbp",
    outcomes: ["succeeded", "failed"],
    // A Refund action is approved or declined; before that the refund is pending (no action yet).
    classify: table("checkout", { Pending: "Pending", Approved: "Succeeded", Declined: "Failed" })
  },
  {
    id: "braintree",
    connector: braintree,
    start: (o) => BraintreeEmulator.start(o),
    options: (e) => ({
      credentials: { merchantId: e.credentials["merchantId"]!, publicKey: e.credentials["publicKey"]!, privateKey: e.credentials["privateKey"]! },
      webhookSecrets: { publicKey: e.credentials["publicKey"]!, privateKey: e.webhookSecret }
    }),
    currency: "usd",
    // No RequiresAction state and no reversals at Braintree; a void before settlement is its cancellation.
    outcomes: ["succeeded", "failed", "canceled"],
    // braintree_node transaction.js Transaction.Status, as the Braintree docs define them for refunds.
    classify: table("braintree", {
      authorizing: "Pending",
      authorized: "Pending",
      submitted_for_settlement: "Pending",
      settling: "Pending",
      settlement_pending: "Pending",
      settled: "Succeeded",
      settlement_confirmed: "Succeeded",
      processor_declined: "Failed",
      gateway_rejected: "Failed",
      failed: "Failed",
      settlement_declined: "Failed",
      authorization_expired: "Failed",
      voided: "Cancelled"
    })
  },
  {
    id: "razorpay",
    connector: razorpay,
    start: (o) => RazorpayEmulator.start(o),
    options: (e) => ({
      credentials: { keyId: e.credentials["keyId"]!, keySecret: e.credentials["keySecret"]! },
      webhookSecrets: { webhookSecret: e.webhookSecret }
    }),
    currency: "inr",
    outcomes: ["succeeded", "failed"],
    // razorpay-node refunds.d.ts: pending, processed, failed.
    classify: table("razorpay", { pending: "Pending", processed: "Succeeded", failed: "Failed" })
  },
  {
    id: "square",
    connector: square,
    start: (o) => SquareEmulator.start(o),
    options: (e, webhookUrl) => ({
      credentials: { accessToken: e.credentials["accessToken"]! },
      webhookSecrets: { signatureKey: e.webhookSecret, notificationUrl: webhookUrl }
    }),
    currency: "usd",
    outcomes: ["succeeded", "failed", "canceled"],
    // api.json PaymentRefund.status: PENDING, COMPLETED, REJECTED (declined), FAILED.
    classify: table("square", { PENDING: "Pending", COMPLETED: "Succeeded", REJECTED: "Failed", FAILED: "Failed" })
  },
  {
    id: "mercadopago",
    connector: mercadopago,
    start: (o) => MercadoPagoEmulator.start(o),
    options: (e) => ({ credentials: { accessToken: e.credentials["accessToken"]! }, webhookSecrets: { webhookSecret: e.webhookSecret } }),
    currency: "brl",
    outcomes: ["succeeded", "failed", "canceled"],
    // Mercado Pago API reference (refund status enum): approved, in_process, rejected, cancelled, authorized.
    classify: table("mercadopago", {
      in_process: "Pending",
      authorized: "Pending",
      approved: "Succeeded",
      rejected: "Failed",
      cancelled: "Cancelled"
    })
  },
  {
    id: "paddle",
    connector: paddle,
    start: (o) => PaddleEmulator.start(o),
    options: (e) => ({ credentials: { apiKey: e.credentials["apiKey"]! }, webhookSecrets: { webhookSecret: e.webhookSecret } }),
    currency: "usd",
    outcomes: ["succeeded", "failed", "succeeded_then_reversed"],
    // paddle-node-sdk AdjustmentStatus: pending_approval, approved, rejected, reversed.
    classify: table("paddle", { pending_approval: "Pending", approved: "Succeeded", rejected: "Failed", reversed: "Reversed" }),
    refundMetadata: (paymentId) => ({ paddle_item_id: PaddleEmulator.lineItemIdOf(paymentId) }),
    // The adjustment's reason, as Paddle stores it, ends with "idempotency_key=<key>]".
    keyOf: (refund) => /idempotency_key=([A-Za-z0-9_-]+)\]$/.exec(refund.reference ?? "")?.[1]
  },
  {
    id: "mollie",
    connector: mollie,
    start: (o) => MollieEmulator.start(o),
    // Classic webhooks are unsigned pings read back as notices: no secret.
    options: (e) => ({ credentials: { apiKey: e.credentials["apiKey"]! }, webhookSecrets: {} }),
    currency: "eur",
    outcomes: all,
    // @mollie/api-client RefundStatus and docs "Refund statuses": queued, pending, processing (in flight),
    // refunded, failed ("failed after processing"), canceled.
    classify: table("mollie", {
      queued: "Pending",
      pending: "Pending",
      processing: "Pending",
      refunded: "Succeeded",
      failed: "Failed",
      canceled: "Cancelled"
    })
  },
  {
    id: "gocardless",
    connector: gocardless,
    start: (o) => GoCardlessEmulator.start(o),
    options: (e) => ({ credentials: { accessToken: e.credentials["accessToken"]! }, webhookSecrets: { webhookSecret: e.webhookSecret } }),
    currency: "gbp",
    outcomes: all,
    // gocardless-nodejs Types.d.ts RefundStatus, meanings from gocardless-pro-java Refund.getStatus: created,
    // pending_submission, submitted (not yet paid), paid ("included in a payout"), cancelled, bounced ("failed to
    // be paid"), funds_returned ("had its funds returned"); a failure after paid is a reversal (truthOf).
    classify: table("gocardless", {
      created: "Pending",
      pending_submission: "Pending",
      submitted: "Pending",
      paid: "Succeeded",
      cancelled: "Cancelled",
      bounced: "Failed",
      funds_returned: "Failed"
    })
  },
  {
    id: "authorizenet",
    connector: authorizenet,
    start: (o) => AuthorizeNetEmulator.start(o),
    options: (e) => ({
      credentials: { apiLoginId: e.credentials["apiLoginId"]!, transactionKey: e.credentials["transactionKey"]! },
      webhookSecrets: { signatureKey: e.webhookSecret }
    }),
    currency: "usd",
    // No reversals; voided before settlement is a cancellation.
    outcomes: ["succeeded", "failed", "canceled"],
    // No key at Authorize.net: the connector writes it into the order description as "refund <key>".
    keyOf: (refund) => /^refund ([A-Za-z0-9_-]+)$/.exec(refund.metadata["description"] ?? "")?.[1],
    // sdk-node apicontracts.js TransactionStatusEnum, for a refund transaction: refundPendingSettlement
    // (accepted, awaiting its batch), refundSettledSuccessfully, settlementError (its batch failed), voided.
    classify: table("authorizenet", {
      refundPendingSettlement: "Pending",
      refundSettledSuccessfully: "Succeeded",
      settlementError: "Failed",
      voided: "Cancelled"
    })
  }
]

/**
 * Where a refund's history ends, in Refract's terms: its last status, and a reversal when a
 * failure follows a success (Stripe's failed-after-succeeded).
 */
export const truthOf = (processor: Processor, history: ReadonlyArray<{ readonly status: string }>): Truth => {
  const statuses = history.map((h) => processor.classify(h.status))
  const last = statuses[statuses.length - 1]!
  return last === "Failed" && statuses.includes("Succeeded") ? "Reversed" : last
}
