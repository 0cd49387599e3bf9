/**
 * Wire schemas for the parts of PayPal's REST API this connector reads and writes: the Payments v2
 * refund (request and answer), the OAuth2 token answer, the two error bodies (the REST error and
 * the OAuth error) and the webhook event envelope.
 *
 * Source: paypal/paypal-rest-api-specifications `openapi/payments_payment_v2.json` (schemas
 * `refund_request`, `refund`, `refund_status`, `refund_status_details`, `money`, `error_4xx/5xx`,
 * `captures.refund-400/422`, `409`) and `openapi/notifications_webhooks_v1.json` (`event`).
 * Only the fields the connector uses are declared; PayPal adds fields and unknown keys are ignored.
 */
import { Timestamp } from "@refract/core"
import { Result, Schema } from "effect"

/** `money`: an ISO 4217 code and a decimal string in major units ("10.50", "1050" for JPY, "1.050" for KWD). */
export const Money = Schema.Struct({
  currency_code: Schema.String,
  value: Schema.String
})
export type Money = typeof Money.Type

/** `link_description` (HATEOAS). A refund links to itself (`self`) and to its capture (`up`). */
export const Link = Schema.Struct({
  href: Schema.String,
  rel: Schema.String,
  method: Schema.optionalKey(Schema.String)
})
export type Link = typeof Link.Type

/** The body of `POST /v2/payments/captures/{capture_id}/refund` (`refund_request`). */
export interface RefundRequest {
  /** Omitted: PayPal refunds the whole remaining amount of the capture. */
  readonly amount?: Money
  /** At most 127 characters; PayPal refuses an invoice id it has seen on another refund (`DUPLICATE_INVOICE_ID`). */
  readonly invoice_id?: string
  /** At most 127 characters; appears in transaction and settlement reports. */
  readonly custom_id?: string
  /** At most 255 characters; appears in the payer's transaction history and e-mails. */
  readonly note_to_payer?: string
}

/**
 * The `refund` resource: the answer of create (`Prefer: return=representation`) and of
 * `GET /v2/payments/refunds/{refund_id}`, and the `resource` of refund webhook events.
 * Everything but `id` is optional: `Prefer: return=minimal` answers only `id`, `status` and `links`.
 */
export const Refund = Schema.Struct({
  id: Schema.String,
  /** `CANCELLED`, `FAILED`, `PENDING`, `COMPLETED` (enum `refund_status.status`). */
  status: Schema.optionalKey(Schema.String),
  status_details: Schema.optionalKey(Schema.Struct({
    /** Why the refund is PENDING or FAILED (the spec lists `ECHECK`). */
    reason: Schema.optionalKey(Schema.String)
  })),
  amount: Schema.optionalKey(Money),
  invoice_id: Schema.optionalKey(Schema.String),
  custom_id: Schema.optionalKey(Schema.String),
  note_to_payer: Schema.optionalKey(Schema.String),
  /** "Reference ID issued for the card transaction … to track the transaction across processors, card brands and issuing banks." */
  acquirer_reference_number: Schema.optionalKey(Schema.String),
  /** RFC 3339. */
  create_time: Schema.optionalKey(Schema.String),
  /** RFC 3339. */
  update_time: Schema.optionalKey(Schema.String),
  links: Schema.optionalKey(Schema.Array(Link))
})
export type Refund = typeof Refund.Type

/**
 * `transaction_info` of the Transaction Search API (`openapi/reporting_transactions_v1.json`): the
 * fields a refund listing reads. Amounts are signed decimal strings ("-10.50" for money leaving the
 * account); dates are written like `2014-07-11T04:03:52+0000` in PayPal's samples.
 */
export const TransactionInfo = Schema.Struct({
  transaction_id: Schema.String,
  /** "The PayPal-generated base ID … a related, pre-existing transaction": the capture a refund refunds. */
  paypal_reference_id: Schema.optionalKey(Schema.String),
  /** `ODR`, `TXN`, `SUB`, `PAP`. */
  paypal_reference_id_type: Schema.optionalKey(Schema.String),
  /** `T1107` "Payment refund, initiated by merchant", ... */
  transaction_event_code: Schema.optionalKey(Schema.String),
  transaction_initiation_date: Schema.optionalKey(Schema.String),
  transaction_updated_date: Schema.optionalKey(Schema.String),
  transaction_amount: Schema.optionalKey(Money),
  /** `S`, `P`, `D`, `V`. */
  transaction_status: Schema.optionalKey(Schema.String),
  invoice_id: Schema.optionalKey(Schema.String),
  custom_field: Schema.optionalKey(Schema.String)
})
export type TransactionInfo = typeof TransactionInfo.Type

/** One element of `transaction_details`; only `transaction_info` is asked for (`fields=transaction_info`). */
export const TransactionDetail = Schema.Struct({
  transaction_info: Schema.optionalKey(TransactionInfo)
})

/** `search_response`: elements are decoded one by one, so one bad transaction names its index. */
export const SearchResponse = Schema.Struct({
  transaction_details: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  page: Schema.optionalKey(Schema.Number),
  total_items: Schema.optionalKey(Schema.Number),
  total_pages: Schema.optionalKey(Schema.Number)
})

/** `POST /v1/oauth2/token` answer. */
export const AccessToken = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.optionalKey(Schema.String),
  /** Seconds. */
  expires_in: Schema.Number,
  scope: Schema.optionalKey(Schema.String),
  app_id: Schema.optionalKey(Schema.String),
  nonce: Schema.optionalKey(Schema.String)
})
export type AccessToken = typeof AccessToken.Type

/** `error_details`: `issue` is the fine-grained code (`REFUND_AMOUNT_EXCEEDED`, ...). */
export const ErrorDetail = Schema.Struct({
  issue: Schema.optionalKey(Schema.String),
  description: Schema.optionalKey(Schema.String),
  /** A JSON pointer for body fields (`/amount/value`), or a parameter name. */
  field: Schema.optionalKey(Schema.String),
  value: Schema.optionalKey(Schema.String),
  location: Schema.optionalKey(Schema.String)
})
export type ErrorDetail = typeof ErrorDetail.Type

/** The REST error body of every non-2xx answer (`error_400` … `error_503`). */
export const ErrorBody = Schema.Struct({
  /** `INVALID_REQUEST`, `AUTHENTICATION_FAILURE`, `NOT_AUTHORIZED`, `RESOURCE_NOT_FOUND`, `RESOURCE_CONFLICT`, `UNPROCESSABLE_ENTITY`, ... */
  name: Schema.String,
  message: Schema.optionalKey(Schema.String),
  debug_id: Schema.optionalKey(Schema.String),
  details: Schema.optionalKey(Schema.Array(ErrorDetail))
})
export type ErrorBody = typeof ErrorBody.Type

/** The OAuth2 error body (RFC 6749 §5.2): the token endpoint, and rejected bearer tokens (`invalid_token`). */
export const OAuthErrorBody = Schema.Struct({
  error: Schema.String,
  error_description: Schema.optionalKey(Schema.String)
})
export type OAuthErrorBody = typeof OAuthErrorBody.Type

/** The webhook event envelope (`event`). `resource` is read per event type. */
export const Event = Schema.Struct({
  id: Schema.String,
  event_type: Schema.String,
  resource_type: Schema.optionalKey(Schema.String),
  event_version: Schema.optionalKey(Schema.String),
  resource_version: Schema.optionalKey(Schema.String),
  summary: Schema.optionalKey(Schema.String),
  /** RFC 3339. */
  create_time: Schema.optionalKey(Schema.String),
  resource: Schema.optionalKey(Schema.Unknown)
})
export type Event = typeof Event.Type

/** Decodes without throwing; the failure is a one-line description of the first problems. */
export const decode = <S extends Schema.ConstraintDecoder<unknown>>(schema: S) => {
  const run = Schema.decodeUnknownResult(schema)
  return (input: unknown): Result.Result<S["Type"], string> => {
    const result = run(input)
    return Result.isSuccess(result)
      ? Result.succeed(result.success)
      : Result.fail(result.failure.message.replace(/\s+/g, " ").trim())
  }
}

export const decodeRefund = decode(Refund)
export const decodeAccessToken = decode(AccessToken)
export const decodeErrorBody = decode(ErrorBody)
export const decodeOAuthErrorBody = decode(OAuthErrorBody)
export const decodeEvent = decode(Event)
export const decodeSearchResponse = decode(SearchResponse)
export const decodeTransactionDetail = decode(TransactionDetail)

/**
 * An RFC 3339 time as epoch ms; undefined when absent, unreadable, not a real date or outside
 * core's {@link Timestamp} bounds.
 */
export const timeOf = (value: string | undefined): number | undefined => Timestamp.fromIsoString(value)

/** The capture id a refund belongs to, from its `up` link (`…/v2/payments/captures/{id}`). */
export const captureIdOf = (links: ReadonlyArray<Link> | undefined): string | undefined => {
  for (const link of links ?? []) {
    if (link.rel !== "up") continue
    const match = /\/v2\/payments\/captures\/([^/?#]+)\/?(?:[?#].*)?$/.exec(link.href)
    if (match !== null) {
      try {
        return decodeURIComponent(match[1]!)
      } catch {
        return undefined
      }
    }
  }
  return undefined
}
