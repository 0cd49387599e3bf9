/**
 * The Braintree connector, on Braintree's gateway API (the XML API braintree_node's transaction methods
 * speak; JSON request bodies, XML answers, `X-ApiVersion: 6`, HTTP Basic `public_key:private_key`):
 *
 * - create: `POST /merchants/{merchant_id}/transactions/{sale_id}/refund` with
 *   `{"transaction":{"amount"?: "12.50","order_id": <idempotency key>}}` → 201 and the refund (`credit` transaction);
 * - get: `GET /merchants/{merchant_id}/transactions/{refund_id}`;
 * - lookup: `POST /merchants/{merchant_id}/transactions/advanced_search` with
 *   `{"search":{"order_id":{"is":<key>},"type":["credit"]}}`, keeping the refund of the sale asked for;
 * - refund webhooks (`bt_signature` / `bt_payload`).
 *
 * Braintree has no idempotency key: the key rules declare `windowMillis: 0`, and the derived key goes into
 * the refund's `order_id`, where `lookup` finds it again (see README, "Idempotency").
 *
 * Everything here is a pure description; `@refract/core` runs it.
 *
 *   Effect:   BraintreeConnector.layer({ merchantId, publicKey, privateKey: Redacted.make(key), environment: "sandbox" })
 *             BraintreeConnector.layerConfig()   // BRAINTREE_MERCHANT_ID, BRAINTREE_PUBLIC_KEY, BRAINTREE_PRIVATE_KEY, ...
 *   Promise:  new PaymentClient({ connector: "braintree", credentials: { merchantId, publicKey, privateKey }, environment: "sandbox" })
 */
import { ConnectorLayer, Connector, Idempotency, Money, ProcessorHttp, RefundError, Timestamp } from "@refract/core"
import { BoundConnector, Refund } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Context, Layer, Option, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as BraintreeError from "./BraintreeError.ts"
import * as BraintreeSchema from "./BraintreeSchema.ts"
import * as BraintreeWebhook from "./BraintreeWebhook.ts"
import * as BraintreeXml from "./BraintreeXml.ts"

/** Gateway hosts (braintree_node `lib/braintree/environment.js`). */
export const SANDBOX_URL = "https://api.sandbox.braintreegateway.com"
export const PRODUCTION_URL = "https://api.braintreegateway.com"

/** The API version braintree_node 3.40.0 sends (`config.js` `apiVersion = "6"`). */
export const API_VERSION = "6"

/** Credential fields. */
export const credentials = {
  merchantId: {
    secret: false,
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    description: "the Braintree merchant id (Control Panel → Settings → API)",
    env: "BRAINTREE_MERCHANT_ID"
  },
  publicKey: {
    secret: false,
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    description: "the public key of an API key pair",
    env: "BRAINTREE_PUBLIC_KEY"
  },
  privateKey: {
    secret: true,
    pattern: /^\S+$/,
    description: "the private key of that pair",
    env: "BRAINTREE_PRIVATE_KEY"
  }
} as const satisfies Credentials.CredentialSpec

export type BraintreeCredentials = Credentials.Decoded<typeof credentials>

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

const quoted = (value: string): string => JSON.stringify(value.slice(0, 64))

/** A Braintree transaction id (sale or refund): letters and digits. */
export const isTransactionId = (id: string): boolean => BraintreeSchema.idPattern.test(id)

const invalid = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

/** Braintree's `order_id` limit (validation error 91501 OrderIdIsTooLong). */
export const MAX_ORDER_ID_LENGTH = 255

/**
 * Braintree takes no idempotency key: window 0 (the core never re-sends a create that may have reached
 * Braintree, and resolves an unknown outcome through {@link buildLookup}). The key the core derives is
 * stored as the refund's `order_id` (at most 255 characters).
 */
export const idempotencyKeyRules: Connector.IdempotencyKeyRules = {
  maxLength: MAX_ORDER_ID_LENGTH,
  minLength: 1,
  pattern: /^[A-Za-z0-9_-]{1,255}$/,
  windowMillis: 0
}

const merchantPath = (c: BraintreeCredentials) => `/merchants/${ProcessorHttp.segment(c.merchantId)}`

/**
 * `POST /merchants/{merchant_id}/transactions/{id}/refund` with `{"transaction":{amount?, order_id}}`.
 * `amount` is a major-unit decimal string (`Money.toDecimalString`); absent, Braintree refunds what remains.
 * Braintree refunds in the sale's currency (its merchant account's) and takes no currency, reason or metadata:
 * metadata is refused rather than dropped.
 */
export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<BraintreeCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isTransactionId(input.connectorTransactionId)) {
    return invalid(`a Braintree transaction id is letters and digits, got ${quoted(input.connectorTransactionId)}`, "connectorTransactionId")
  }
  if (input.metadata !== undefined && Object.keys(input.metadata).length > 0) {
    return invalid("Braintree refunds carry no metadata (custom fields must be configured in the Control Panel): leave metadata out", "metadata")
  }
  if (context.idempotencyKey.length > MAX_ORDER_ID_LENGTH) {
    return invalid(`the idempotency key becomes the order_id, at most ${MAX_ORDER_ID_LENGTH} characters`, "idempotencyKey")
  }
  const transaction = {
    ...(input.amount !== undefined ? { amount: Money.toDecimalString(input.amount) } : {}),
    order_id: context.idempotencyKey
  }
  return Result.succeed({
    method: "POST",
    path: `${merchantPath(context.credentials)}/transactions/${ProcessorHttp.segment(input.connectorTransactionId)}/refund`,
    body: ProcessorHttp.json({ transaction })
  })
}

export const buildGet = (
  input: Refund.RefundReference,
  context: Connector.BuildContext<BraintreeCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isTransactionId(input.connectorRefundId)) {
    return invalid(`a Braintree refund id is letters and digits, got ${quoted(input.connectorRefundId)}`, "connectorRefundId")
  }
  return Result.succeed({ method: "GET", path: `${merchantPath(context.credentials)}/transactions/${ProcessorHttp.segment(input.connectorRefundId)}` })
}

/** The `order_id` a refund was created with: the key the core derives from the merchant refund id. */
export const orderIdOf = (merchantRefundId: string): string => Idempotency.derive(merchantRefundId, idempotencyKeyRules)

/** Search pages hold at most 50 transactions (`advanced_search_ids` answers `page-size` 50). */
export const SEARCH_PAGE_SIZE = 50

/**
 * `POST /merchants/{merchant_id}/transactions/advanced_search` for credits whose `order_id` is the key
 * derived from the merchant refund id. A caller-supplied idempotency key (`CreateRefundRequest.idempotencyKey`)
 * is not known here: such refunds are not found by lookup.
 */
export const buildLookup = (
  input: Connector.LookupRequest,
  context: Connector.BuildContext<BraintreeCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isTransactionId(input.connectorTransactionId)) {
    return invalid(`a Braintree transaction id is letters and digits, got ${quoted(input.connectorTransactionId)}`, "connectorTransactionId")
  }
  return Result.succeed({
    method: "POST",
    path: `${merchantPath(context.credentials)}/transactions/advanced_search`,
    body: ProcessorHttp.json({ search: { order_id: { is: orderIdOf(input.merchantRefundId) }, type: ["credit"] } })
  })
}

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

const readTransaction = (response: ProcessorHttp.ProcessorResponse) => {
  const root = BraintreeXml.parse(response.body)
  if (Result.isFailure(root)) return Result.fail(unexpected(`Braintree answered ${response.status} with a body that is not XML: ${root.failure}`))
  const t = BraintreeSchema.readTransaction(root.success)
  if (Result.isFailure(t)) return Result.fail(unexpected(`Braintree answered ${response.status} with a body that is not a transaction: ${t.failure}`))
  if (t.success.type !== undefined && t.success.type !== "credit") {
    return Result.fail(unexpected(`transaction ${t.success.id} is a ${t.success.type}, not a refund`))
  }
  return Result.succeed({ transaction: t.success, element: root.success })
}

const snapshot = (t: BraintreeSchema.Transaction, element: BraintreeXml.Element, options: BraintreeWebhook.SnapshotOptions = {}) => {
  const result = BraintreeWebhook.toSnapshot(t, { ...options, element })
  return Result.isFailure(result) ? Result.fail(unexpected(result.failure)) : Result.succeed(result.success)
}

/**
 * Reads the created refund. It must refund the sale asked for, in the currency asked for (Braintree refunds
 * in the sale's currency: a mismatch means the amount was read in another currency's units).
 */
export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const read = readTransaction(response)
  if (Result.isFailure(read)) return Result.fail(read.failure)
  const t = read.success.transaction
  if (t.refundedTransactionId !== input.connectorTransactionId) {
    return Result.fail(unexpected(`refunded transaction ${input.connectorTransactionId}, Braintree answered refund ${t.id} of ${t.refundedTransactionId ?? "nothing"}`))
  }
  if (input.amount !== undefined && t.currencyIsoCode?.toUpperCase() !== input.amount.currency) {
    return Result.fail(unexpected(
      `refund ${t.id} was created in ${t.currencyIsoCode ?? "an unstated currency"} (the sale's), the request said ${input.amount.currency}: check the refund at Braintree`
    ))
  }
  return snapshot(t, read.success.element, {
    merchantRefundId: input.merchantRefundId,
    occurredAt: t.createdAt !== undefined ? Timestamp.fromIsoString(t.createdAt) : undefined
  })
}

export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const read = readTransaction(response)
  if (Result.isFailure(read)) return Result.fail(read.failure)
  if (read.success.transaction.id !== input.connectorRefundId) {
    return Result.fail(unexpected(`asked for refund ${input.connectorRefundId}, Braintree answered ${read.success.transaction.id}`))
  }
  return snapshot(read.success.transaction, read.success.element, { merchantRefundId: input.merchantRefundId })
}

/**
 * Finds the credit of the sale asked for among the search results. Refuses to say "none" on a full page
 * (it cannot rule the refund out), and refuses two refunds of the same sale under one order id.
 */
export const parseLookup = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.LookupRequest
): Result.Result<Option.Option<Refund.RefundSnapshot>, RefundError.RefundErrorReason> => {
  const page = BraintreeSchema.decodeSearchPage(response.body)
  if (Result.isFailure(page)) return Result.fail(unexpected(`Braintree answered ${response.status} with a body that is not a search page: ${page.failure}`))
  const orderId = orderIdOf(input.merchantRefundId)
  const matching = page.success.filter(({ transaction: t }) =>
    t.orderId === orderId && t.refundedTransactionId === input.connectorTransactionId && (t.type === undefined || t.type === "credit")
  )
  if (matching.length > 1) {
    return Result.fail(unexpected(`${matching.length} refunds of ${input.connectorTransactionId} carry order id ${orderId}: check them at Braintree`))
  }
  const found = matching[0]
  if (found === undefined) {
    return page.success.length >= SEARCH_PAGE_SIZE
      ? Result.fail(unexpected(`the search for order id ${orderId} filled a page of ${SEARCH_PAGE_SIZE}; the refund cannot be ruled out`))
      : Result.succeed(Option.none())
  }
  const result = snapshot(found.transaction, found.element, { merchantRefundId: input.merchantRefundId })
  return Result.isFailure(result) ? Result.fail(result.failure) : Result.succeed(Option.some(result.success))
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

/** `Authorization: Basic base64(public_key:private_key)`, held Redacted until the core writes it. */
export const authorization = (c: BraintreeCredentials): Redacted.Redacted<string> =>
  Redacted.make(`Basic ${Buffer.from(`${c.publicKey}:${Redacted.value(c.privateKey)}`, "utf8").toString("base64")}`, {
    label: "authorization"
  })

export const connector = Connector.make({
  id: "braintree",
  displayName: "Braintree",
  capabilities: {
    create: true,
    get: true,
    lookup: true,
    // The transaction search covers every status, submitted_for_settlement included.
    lookupFindsPending: true,
    webhooks: true,
    partialRefunds: true,
    // "amount: optional; if not specified, the full amount will be refunded" (refund request reference).
    fullRefundWithoutAmount: true,
    // No status after settled undoes a Braintree refund.
    reportsReversals: false,
    // `voided`: a refund voided before it settles.
    cancellation: true,
    // Voiding needs a refund Braintree still holds as submitted_for_settlement; not offered as a cancel flow
    // (see README: the contract's cancel scenario is a RequiresAction state Braintree does not have).
    cancelRefund: false,
    list: false,
    reports: false
  },
  environments: { sandbox: SANDBOX_URL, production: PRODUCTION_URL },
  credentials,
  auth: {
    _tag: "Static",
    headers: (c: BraintreeCredentials) => ({
      Authorization: authorization(c),
      "X-ApiVersion": API_VERSION,
      Accept: "application/xml"
    })
  },
  idempotencyKey: idempotencyKeyRules,
  secretHeaders: ["authorization"],
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  lookup: { build: buildLookup, parse: parseLookup },
  mapError: BraintreeError.mapError,
  retryHint: BraintreeError.retryHint,
  webhooks: BraintreeWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The Braintree refund client, for code that wants Braintree specifically (generic code uses `RefundService`). */
export class BraintreeRefunds extends Context.Service<BraintreeRefunds, RefundClient.RefundClient>()("@refract/braintree/BraintreeRefunds") {}

export interface BraintreeOptions extends BoundConnector.CommonOptions {
  readonly merchantId: string
  readonly publicKey: string
  /** The private key. Prefer `Redacted`. */
  readonly privateKey: string | Redacted.Redacted<string>
  /** For processes that receive webhooks: the key pair deliveries are signed with (usually the same pair). */
  readonly webhookPublicKey?: string | undefined
  readonly webhookPrivateKey?: string | Redacted.Redacted<string> | undefined
}

/** Maps {@link BraintreeOptions} onto core's generic connector options. */
export const toConnectorOptions = (options: BraintreeOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: { merchantId: options.merchantId, publicKey: options.publicKey, privateKey: options.privateKey },
  webhookSecrets: options.webhookPublicKey !== undefined && options.webhookPrivateKey !== undefined
    ? { publicKey: options.webhookPublicKey, privateKey: options.webhookPrivateKey }
    : undefined
})

/**
 * Binds Braintree with explicit options, registers it in the `ConnectorRegistry` (for `RefundService`)
 * and provides {@link BraintreeRefunds}. Needs an `HttpClient` and a `ConnectorRegistry`.
 */
export const layer = (
  options: BraintreeOptions
): Layer.Layer<BraintreeRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(BraintreeRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `BRAINTREE_MERCHANT_ID`, `BRAINTREE_PUBLIC_KEY`,
 * `BRAINTREE_PRIVATE_KEY`, `BRAINTREE_WEBHOOK_PUBLIC_KEY`, `BRAINTREE_WEBHOOK_PRIVATE_KEY`,
 * `BRAINTREE_ENVIRONMENT` (sandbox | production) and `BRAINTREE_BASE_URL`, read by core's
 * `ConnectorLayer.optionsConfig`. `overrides` win over configuration.
 */
export const layerConfig = (
  overrides?: Partial<BraintreeOptions>
): Layer.Layer<BraintreeRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(BraintreeRefunds, connector, overrides && toConnectorOptions(overrides as BraintreeOptions))
