/**
 * The Adyen connector (Checkout API v71).
 *
 * Adyen has no refund-status endpoint: `POST /payments/{paymentPspReference}/refunds` answers 201
 * `status: "received"` (Pending), and the outcome arrives only by webhook (`REFUND` success
 * true/false, later possibly `REFUND_FAILED` or `REFUNDED_REVERSED`). So `get` and `lookup` are not
 * offered: the core answers them with `Unsupported`, and refunds settle through the webhook handler.
 *
 *   AdyenConnector.layer({ apiKey, merchantAccount, hmacKey })           // explicit options
 *   AdyenConnector.layerConfig()                                         // ADYEN_* environment variables
 */
import { BoundConnector } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Connector, ConnectorLayer, ProcessorHttp, Refund, RefundError } from "@refract/core"
import type { Config, Layer, Redacted } from "effect"
import { Context, Result, Schema } from "effect"
import type { HttpClient } from "effect/http"
import { mapError, retryHint } from "./AdyenError.ts"
import { report } from "./AdyenReport.ts"
import type { MerchantRefundReason, PaymentRefundRequest } from "./AdyenSchema.ts"
import { fromAdyenAmount, PaymentRefundResponse, toAdyenAmount } from "./AdyenSchema.ts"
import { support } from "./AdyenWebhook.ts"

/** Credential fields, with the environment variables `layerConfig` and the CLI read them from. */
export const credentials = {
  apiKey: {
    secret: true,
    // Printable ASCII without spaces: never a header-injection vector.
    pattern: /^[\x21-\x7e]+$/,
    description: "an Adyen API key for the Checkout API (sent as X-API-Key)",
    env: "ADYEN_API_KEY"
  },
  merchantAccount: {
    secret: false,
    pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{1,79}$/,
    description: "the Adyen merchant account code (letters, digits, _ . -), e.g. YourCompanyECOM",
    env: "ADYEN_MERCHANT_ACCOUNT"
  },
  liveEndpointPrefix: {
    secret: false,
    optional: true,
    // One DNS label together with "-checkout-live" (63 characters at most).
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,47}[A-Za-z0-9])?$/,
    description:
      "the live endpoint prefix from Customer Area > Developers > API URLs (e.g. 1797a841fbb37ca7-AdyenDemo); required in production",
    env: "ADYEN_LIVE_ENDPOINT_PREFIX"
  }
} as const satisfies Credentials.CredentialSpec

/** A payment pspReference: Adyen's 16-character reference (letters and digits). */
export const pspReferencePattern = /^[A-Za-z0-9]{16}$/

/** Refract refund reasons to Adyen `merchantRefundReason`. */
export const refundReasons: Readonly<Record<Refund.RefundReason, MerchantRefundReason>> = {
  duplicate: "DUPLICATE",
  fraudulent: "FRAUD",
  requested_by_customer: "CUSTOMER REQUEST",
  other: "OTHER"
}

const decodeRefundResponse = Schema.decodeUnknownResult(PaymentRefundResponse)
const isProcessorId = Schema.is(Refund.ProcessorId)

const unexpected = (message: string) => Result.fail(new RefundError.UnexpectedResponse({ message }))

export const connector = Connector.make({
  id: "adyen",
  displayName: "Adyen",
  capabilities: {
    create: true,
    // No refund-status endpoint: outcomes arrive only by webhook.
    get: false,
    lookup: false,
    lookupFindsPending: false,
    webhooks: true,
    partialRefunds: true,
    fullRefundWithoutAmount: false,
    // REFUND_FAILED after a successful REFUND, and REFUNDED_REVERSED.
    reportsReversals: true,
    cancellation: false,
    // Adyen's /cancels and /reversals act on payments; there is no endpoint that cancels a refund.
    cancelRefund: false,
    // No refund list; the settlement details report carries refunds and their batch (AdyenReport).
    list: false,
    reports: true
  },
  environments: {
    sandbox: "https://checkout-test.adyen.com/v71",
    production: "https://{liveEndpointPrefix}-checkout-live.adyenpayments.com/checkout/v71"
  },
  credentials,
  auth: {
    _tag: "Static",
    headers: (c) => ({ "X-API-Key": c.apiKey })
  },
  // "A unique identifier for the message with a maximum of 64 characters" (Idempotency-Key header).
  // "Idempotency keys are valid for a minimum period of 31 days after first submission"
  // (https://docs.adyen.com/development-resources/api-idempotency).
  idempotencyKey: { maxLength: 64, windowMillis: 31 * 24 * 60 * 60 * 1000 },
  secretHeaders: ["x-api-key"],
  // Adyen publishes no request rate for the Checkout API (and no 429/Retry-After behaviour was found
  // in the spec), so none is declared; a 429 is still mapped to RateLimited and honours Retry-After.
  rateLimit: undefined,
  create: {
    build: (input, context) => {
      const psp = input.connectorTransactionId
      if (!pspReferencePattern.test(psp)) {
        return Result.fail(new RefundError.InvalidRequest({
          message: "an Adyen payment pspReference is 16 letters and digits (e.g. 993617894903480A)",
          field: "connectorTransactionId"
        }))
      }
      // Adyen requires `amount` (PaymentRefundRequest: required); the core refuses a create without one first.
      if (input.amount === undefined) {
        return Result.fail(new RefundError.InvalidRequest({ message: "Adyen needs the amount of every refund", field: "amount" }))
      }
      const amount = toAdyenAmount(input.amount)
      if (Result.isFailure(amount)) {
        return Result.fail(new RefundError.InvalidRequest({ message: amount.failure, field: "amount" }))
      }
      // Adyen refunds take no metadata (PaymentRefundRequest has no such field); it is not sent.
      const body: PaymentRefundRequest = {
        merchantAccount: context.credentials.merchantAccount,
        amount: amount.success,
        reference: input.merchantRefundId,
        ...(input.reason !== undefined ? { merchantRefundReason: refundReasons[input.reason] } : {})
      }
      return Result.succeed({
        method: "POST",
        path: `/payments/${ProcessorHttp.segment(psp)}/refunds`,
        headers: { "Idempotency-Key": context.idempotencyKey },
        body: ProcessorHttp.json(body)
      })
    },
    parse: (response, input) => {
      const json = ProcessorHttp.parseJson(response.body)
      if (json === undefined) return unexpected(`Adyen answered HTTP ${response.status} with a body that is not JSON`)
      const decoded = decodeRefundResponse(json)
      if (Result.isFailure(decoded)) {
        return unexpected(
          `Adyen answered HTTP ${response.status} with an unexpected refund response: ${decoded.failure.message.replace(/\s+/g, " ")}`
        )
      }
      const body = decoded.success
      if (!isProcessorId(body.pspReference)) return unexpected("Adyen's refund response has no usable pspReference")
      let amount = input.amount
      if (body.amount !== undefined) {
        const converted = fromAdyenAmount(body.amount)
        if (Result.isFailure(converted)) return unexpected(`Adyen's refund response has an unreadable amount: ${converted.failure}`)
        amount = converted.success
      }
      const payment = body.paymentPspReference
      return Result.succeed(
        new Refund.RefundSnapshot({
          connectorRefundId: body.pspReference,
          connectorTransactionId: payment !== undefined && isProcessorId(payment) ? payment : input.connectorTransactionId,
          merchantRefundId: typeof body.reference === "string" && body.reference !== "" ? body.reference : input.merchantRefundId,
          amount,
          status: "Pending",
          rawStatus: body.status,
          ...(input.reason !== undefined ? { reason: input.reason } : {}),
          // Adyen refunds carry no metadata; the raw object is the refund answer.
          raw: json as Refund.Raw
        }, { disableChecks: true })
      )
    }
  },
  report,
  mapError,
  retryHint,
  webhooks: support
})

/** The Adyen refund client, next to the generic `RefundService` (like `PgClient` next to `SqlClient`). */
export class AdyenRefunds extends Context.Service<AdyenRefunds, RefundClient.RefundClient>()("@refract/adyen/AdyenRefunds") {}

export interface AdyenOptions extends BoundConnector.CommonOptions {
  readonly apiKey: string | Redacted.Redacted<string>
  readonly merchantAccount: string
  /** Required for `environment: "production"`: the prefix of your live Checkout URL. */
  readonly liveEndpointPrefix?: string | undefined
  /** The webhook HMAC key (hex), when this process receives Adyen webhooks. */
  readonly hmacKey?: string | Redacted.Redacted<string> | undefined
}

/** Maps {@link AdyenOptions} onto core's generic connector options. */
export const toConnectorOptions = (options: AdyenOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: {
    apiKey: options.apiKey,
    merchantAccount: options.merchantAccount,
    liveEndpointPrefix: options.liveEndpointPrefix
  },
  webhookSecrets: options.hmacKey !== undefined ? { hmacKey: options.hmacKey } : undefined
})

/** Binds Adyen with explicit options, registers it for `RefundService`, and provides {@link AdyenRefunds}. */
export const layer = (
  options: AdyenOptions
): Layer.Layer<AdyenRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(AdyenRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: ADYEN_API_KEY, ADYEN_MERCHANT_ACCOUNT,
 * ADYEN_LIVE_ENDPOINT_PREFIX, ADYEN_HMAC_KEY, ADYEN_ENVIRONMENT (sandbox | production), ADYEN_BASE_URL.
 * `overrides` win over configuration where defined. A missing variable fails as
 * RefundError(Configuration) naming it, never echoing a value.
 */
export const layerConfig = (
  overrides?: Partial<AdyenOptions>
): Layer.Layer<AdyenRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(AdyenRefunds, connector, overrides && toConnectorOptions(overrides as AdyenOptions))
