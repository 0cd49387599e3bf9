/**
 * The Checkout.com connector: refunds through `POST /payments/{id}/refunds`, status and lookup
 * through the payment's actions (`GET /payments/{id}/actions`), and `Cko-Signature` webhooks.
 *
 * Checkout.com has no refund resource. A refund is an action (`act_…`) on its payment (`pay_…`),
 * so the connector refund id is the composite `pay_…:act_…` ({@link CheckoutSchema.refundId}):
 * `get` parses it back and needs no other argument.
 *
 * Everything here is a pure description; `@refract/core` runs it (timeouts, retries under the same
 * `Cko-Idempotency-Key`, tracing, redaction).
 *
 *   Effect:   CheckoutConnector.layer({ secretKey: Redacted.make(key), environment: "sandbox" })
 *             CheckoutConnector.layerConfig()      // CHECKOUT_SECRET_KEY, CHECKOUT_ENVIRONMENT, ...
 *   Promise:  new PaymentClient({ connector: "checkout", secretKey, environment: "sandbox" })
 */
import { Connector, ConnectorLayer, ProcessorHttp, Refund, RefundError } from "@refract/core"
import { BoundConnector } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Context, Layer, Option, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as CheckoutError from "./CheckoutError.ts"
import * as CheckoutSchema from "./CheckoutSchema.ts"
import * as CheckoutWebhook from "./CheckoutWebhook.ts"

export const SANDBOX_URL = "https://api.sandbox.checkout.com"
export const PRODUCTION_URL = "https://api.checkout.com"

/** Credential fields. */
export const credentials = {
  secretKey: {
    secret: true,
    pattern: /^sk_[A-Za-z0-9*#$=_-]{8,}$/,
    description: "a Checkout.com secret key (sk_sbox_… for sandbox, sk_… for production), sent as a Bearer token",
    env: "CHECKOUT_SECRET_KEY"
  }
} as const satisfies Credentials.CredentialSpec

export type CheckoutCredentials = Credentials.Decoded<typeof credentials>

// ---------------------------------------------------------------------------------------------
// Key mode vs environment
// ---------------------------------------------------------------------------------------------

/**
 * "sandbox" for `sk_sbox_…` keys (and legacy `sk_test_…` ones), "production" for any other `sk_…`
 * key (checkout-sdk-node `src/config.js`: live keys are `sk_` and base32 characters, which never
 * contain `_`); undefined for anything else.
 */
export const keyMode = (key: string): "sandbox" | "production" | undefined =>
  /^sk_(?:sbox|test)_/.test(key) ? "sandbox" : key.startsWith("sk_") ? "production" : undefined

/**
 * A sandbox key is refused in production and a live key in sandbox, before anything is sent. The
 * message names the variable and the mode, never the key.
 */
export const keyEnvironmentProblem = (
  key: string | Redacted.Redacted<string> | undefined,
  environment: Connector.Environment
): string | undefined => {
  if (key === undefined) return undefined
  const mode = keyMode(typeof key === "string" ? key : Redacted.value(key))
  if (mode === undefined) return undefined // malformed keys are reported by the credential spec
  if (environment === "production" && mode === "sandbox") {
    return "the production environment needs a live secret key (sk_…); CHECKOUT_SECRET_KEY is a sandbox key (sk_sbox_…)"
  }
  if (environment === "sandbox" && mode === "production") {
    return "the sandbox environment needs a sandbox secret key (sk_sbox_…); CHECKOUT_SECRET_KEY is a live key"
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

const invalid = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

const shown = (value: string): string => JSON.stringify(value.slice(0, 64))

const invalidPayment = (paymentId: string) =>
  invalid(`a Checkout.com payment id is pay_ and 26 lower-case letters and digits, got ${shown(paymentId)}`, "connectorTransactionId")

export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<CheckoutCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const paymentId = input.connectorTransactionId
  if (!CheckoutSchema.isPaymentId(paymentId)) return invalidPayment(paymentId)
  if (input.merchantRefundId.length > CheckoutSchema.REFERENCE_MAX_LENGTH) {
    return invalid(
      `Checkout.com takes a refund reference of at most ${CheckoutSchema.REFERENCE_MAX_LENGTH} characters; ` +
        `the merchant refund id has ${input.merchantRefundId.length}`,
      "merchantRefundId"
    )
  }
  const mismatch = input.amount === undefined ? undefined : CheckoutSchema.scaleMismatch(input.amount.currency)
  if (mismatch !== undefined) {
    return invalid(`${input.amount?.currency} refunds are not supported through Refract: ${mismatch}, so the amount would be wrong`, "amount")
  }
  if (input.amount !== undefined && input.amount.amount > CheckoutSchema.MAX_AMOUNT) {
    return invalid(`Checkout.com amounts have at most nine digits, got ${input.amount.amount}`, "amount")
  }
  const metadata = input.metadata !== undefined && Object.keys(input.metadata).length > 0 ? input.metadata : undefined
  const body: CheckoutSchema.RefundRequest = {
    // No amount: Checkout.com refunds the full captured amount ("If not specified, the full payment amount will be refunded").
    ...(input.amount !== undefined ? { amount: input.amount.amount } : {}),
    reference: input.merchantRefundId,
    ...(metadata !== undefined ? { metadata } : {})
  }
  return Result.succeed({
    method: "POST",
    path: `/payments/${ProcessorHttp.segment(paymentId)}/refunds`,
    headers: { "Cko-Idempotency-Key": context.idempotencyKey },
    body: ProcessorHttp.json(body)
  })
}

const actionsRequest = (paymentId: string): ProcessorHttp.ProcessorRequest => ({
  method: "GET",
  path: `/payments/${ProcessorHttp.segment(paymentId)}/actions`
})

export const buildGet = (
  input: Refund.RefundReference,
  _context: Connector.BuildContext<CheckoutCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const parts = CheckoutSchema.parseRefundId(input.connectorRefundId)
  if (Result.isFailure(parts)) return invalid(`${parts.failure}; got ${shown(input.connectorRefundId)}`, "connectorRefundId")
  if (input.connectorTransactionId !== undefined && input.connectorTransactionId !== parts.success.paymentId) {
    return invalid(
      `refund ${input.connectorRefundId} belongs to payment ${parts.success.paymentId}, not ${shown(input.connectorTransactionId)}`,
      "connectorTransactionId"
    )
  }
  return Result.succeed(actionsRequest(parts.success.paymentId))
}

export const buildLookup = (
  input: Connector.LookupRequest,
  _context: Connector.BuildContext<CheckoutCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> =>
  CheckoutSchema.isPaymentId(input.connectorTransactionId)
    ? Result.succeed(actionsRequest(input.connectorTransactionId))
    : invalidPayment(input.connectorTransactionId)

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

/** The raw status of a refund whose action is not (yet) in the payment's actions: Checkout processes refunds asynchronously. */
export const ACTION_NOT_FOUND = "action_not_found"

/** The raw status of a create answer (202 Accepted). */
export const ACCEPTED = "accepted"

/**
 * A refund action's state. `approved: true` → Succeeded ("approved"), `false` → Failed ("declined",
 * failure = `response_code` / `response_summary`), absent or null → Pending ("pending": listed but
 * not yet decided). A non-Refund action under the refund's id, or any other `approved`, is Unknown
 * with what was seen.
 */
export const statusOf = (action: CheckoutSchema.PaymentAction): {
  readonly status: Refund.RefundSnapshot["status"]
  readonly rawStatus: string
} => {
  if (action.type !== "Refund") return { status: "Unknown", rawStatus: `action_type:${action.type}` }
  if (action.approved === true) return { status: "Succeeded", rawStatus: "approved" }
  if (action.approved === false) return { status: "Failed", rawStatus: "declined" }
  if (action.approved === undefined || action.approved === null) return { status: "Pending", rawStatus: "pending" }
  return { status: "Unknown", rawStatus: `approved:${JSON.stringify(action.approved)?.slice(0, 40)}` }
}

const actionSnapshot = (parts: CheckoutSchema.RefundIdParts, action: CheckoutSchema.PaymentAction): Refund.RefundSnapshot => {
  const { rawStatus, status } = statusOf(action)
  const arn = action.type === "Refund" ? CheckoutSchema.acquirerReferenceOf(action.processing) : undefined
  const failure = status === "Failed" && (action.response_code != null || action.response_summary != null)
    ? new Refund.FailureDetails({
      ...(action.response_code != null ? { code: action.response_code } : {}),
      ...(action.response_summary != null ? { message: action.response_summary } : {})
    })
    : undefined
  return new Refund.RefundSnapshot({
    connectorRefundId: CheckoutSchema.refundId(parts.paymentId, parts.actionId),
    connectorTransactionId: parts.paymentId,
    // An action carries no currency, so its amount cannot be read as Money; the refund keeps the amount it was created with.
    merchantRefundId: action.reference != null && action.reference !== "" ? action.reference : undefined,
    status,
    rawStatus,
    failure,
    occurredAt: CheckoutSchema.timestamp(action.processed_on),
    settlement: arn !== undefined ? new Refund.Settlement({ traceReference: arn, traceReferenceType: "arn" }) : undefined
  })
}

/** The action's metadata and the action itself as the raw object. */
const withAction = (snapshot: Refund.RefundSnapshot, element: unknown): Refund.RefundSnapshot =>
  Refund.withProcessorData(snapshot, {
    metadata: Refund.metadataOf((element as { metadata?: unknown } | undefined)?.metadata),
    raw: element
  })

const readActions = (response: ProcessorHttp.ProcessorResponse) => {
  const decoded = CheckoutSchema.decodePaymentActions(ProcessorHttp.parseJson(response.body))
  return Result.isFailure(decoded)
    ? Result.fail(unexpected(`Checkout.com answered ${response.status} with a body that is not a list of payment actions: ${decoded.failure}`))
    : Result.succeed(decoded.success)
}

const idOf = (element: unknown): unknown =>
  typeof element === "object" && element !== null ? (element as { readonly id?: unknown }).id : undefined

export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const decoded = CheckoutSchema.decodeRefundAccepted(ProcessorHttp.parseJson(response.body))
  if (Result.isFailure(decoded)) {
    return Result.fail(unexpected(`Checkout.com answered ${response.status} with a body that is not an accepted refund: ${decoded.failure}`))
  }
  const { action_id, reference } = decoded.success
  if (!CheckoutSchema.isActionId(action_id)) {
    return Result.fail(unexpected(`Checkout.com's refund answer has no usable action id: ${shown(action_id)}`))
  }
  if (reference != null && reference !== "" && reference !== input.merchantRefundId) {
    return Result.fail(unexpected(`Checkout.com answered for refund reference ${shown(reference)}, not ${shown(input.merchantRefundId)}`))
  }
  return Result.succeed(new Refund.RefundSnapshot({
    connectorRefundId: CheckoutSchema.refundId(input.connectorTransactionId, action_id),
    connectorTransactionId: input.connectorTransactionId,
    merchantRefundId: input.merchantRefundId,
    amount: input.amount,
    status: "Pending",
    rawStatus: ACCEPTED,
    raw: ProcessorHttp.parseJson(response.body) as Refund.Raw
  }, { disableChecks: true }))
}

/**
 * Finds the refund's action (`id` = the action id) in the payment's actions. Not listed yet →
 * Pending with raw status {@link ACTION_NOT_FOUND}: Checkout documents card refunds as processed
 * asynchronously, so an accepted refund may not be an action yet.
 */
export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const parts = CheckoutSchema.parseRefundId(input.connectorRefundId)
  if (Result.isFailure(parts)) return Result.fail(unexpected(parts.failure))
  const actions = readActions(response)
  if (Result.isFailure(actions)) return Result.fail(actions.failure)
  const element = actions.success.find((a) => idOf(a) === parts.success.actionId)
  if (element === undefined) {
    return Result.succeed(new Refund.RefundSnapshot({
      connectorRefundId: input.connectorRefundId,
      connectorTransactionId: parts.success.paymentId,
      status: "Pending",
      rawStatus: ACTION_NOT_FOUND
    }))
  }
  const action = CheckoutSchema.decodePaymentAction(element)
  if (Result.isFailure(action)) {
    // The refund's action is there but in a shape this connector does not know: report it, never guess.
    return Result.succeed(new Refund.RefundSnapshot({
      connectorRefundId: input.connectorRefundId,
      connectorTransactionId: parts.success.paymentId,
      status: "Unknown",
      rawStatus: "unreadable_action"
    }))
  }
  return Result.succeed(withAction(actionSnapshot(parts.success, action.success), element))
}

/** Preference among several refund actions with the same reference: a refund that moved money first, so recovery never hides it. */
const preference = (action: CheckoutSchema.PaymentAction): number => {
  const { status } = statusOf(action)
  return status === "Succeeded" ? 0 : status === "Pending" ? 1 : status === "Failed" ? 2 : 3
}

/**
 * Finds the Refund action whose `reference` is the merchant refund id. None when no such action is
 * listed (it may not be listed yet: `recover` then replays the create under the same idempotency
 * key, which Checkout answers with the first result for 24 hours). When several match (a refund
 * re-created after its key expired), a succeeded one wins over a pending one over a declined one.
 */
export const parseLookup = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.LookupRequest
): Result.Result<Option.Option<Refund.RefundSnapshot>, RefundError.RefundErrorReason> => {
  const actions = readActions(response)
  if (Result.isFailure(actions)) return Result.fail(actions.failure)
  let best: CheckoutSchema.PaymentAction | undefined
  for (const element of actions.success) {
    const decoded = CheckoutSchema.decodePaymentAction(element)
    if (Result.isFailure(decoded)) continue
    const action = decoded.success
    if (action.type !== "Refund" || action.reference !== input.merchantRefundId || !CheckoutSchema.isActionId(action.id)) continue
    if (best === undefined || preference(action) < preference(best)) best = action
  }
  return best === undefined
    ? Result.succeed(Option.none())
    : Result.succeed(Option.some(actionSnapshot({ paymentId: input.connectorTransactionId, actionId: best.id }, best)))

}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

export const connector = Connector.make({
  id: "checkout",
  displayName: "Checkout.com",
  capabilities: {
    create: true,
    get: true,
    lookup: true,
    // A refund shows among the payment's actions only once processed: finding none proves nothing.
    lookupFindsPending: false,
    webhooks: true,
    partialRefunds: true,
    fullRefundWithoutAmount: true,
    // An approved refund action is final: Checkout reports no later reversal of a refund.
    reportsReversals: false,
    cancellation: false,
    // No refund cancel endpoint: a refund is an action on the payment (POST /payments/{id}/voids voids payments only).
    cancelRefund: false,
    // No refund list (actions are per payment), and no report this contract can read: see the README.
    list: false,
    reports: false
  },
  // Per-account hosts (https://{prefix}.api.checkout.com) are set with `baseUrl` / CHECKOUT_BASE_URL.
  environments: { sandbox: SANDBOX_URL, production: PRODUCTION_URL },
  credentials,
  // Runs when the connector is bound (layers and PaymentClient alike): nothing is sent with a key of the wrong mode.
  validate: (c, environment) => keyEnvironmentProblem(c.secretKey, environment),
  auth: {
    _tag: "Static",
    headers: (c: CheckoutCredentials) => ({
      Authorization: Redacted.make(`Bearer ${Redacted.value(c.secretKey)}`, { label: "authorization" })
    })
  },
  // Checkout documents no length limit for Cko-Idempotency-Key (it recommends a UUID); 64 is a conservative bound.
  // "By default, keys expire after 24 hours for both the sandbox and production environments"
  // (https://www.checkout.com/docs/payments/manage-payments/idempotency).
  idempotencyKey: { maxLength: 64, windowMillis: 24 * 60 * 60 * 1000 },
  secretHeaders: ["authorization"],
  // Checkout.com publishes no request rate; 429 is still mapped to RateLimited and honours Retry-After.
  rateLimit: undefined,
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  lookup: { build: buildLookup, parse: parseLookup },
  mapError: CheckoutError.mapError,
  retryHint: CheckoutError.retryHint,
  webhooks: CheckoutWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The Checkout.com refund client, for code that wants Checkout.com specifically (generic code uses `RefundService`). */
export class CheckoutRefunds extends Context.Service<CheckoutRefunds, RefundClient.RefundClient>()("@refract/checkout/CheckoutRefunds") {}

export interface CheckoutOptions extends BoundConnector.CommonOptions {
  /** `sk_sbox_…` for sandbox, `sk_…` for production. Prefer `Redacted`. */
  readonly secretKey: string | Redacted.Redacted<string>
  /** The webhook's signature key, for processes that receive webhooks. */
  readonly signatureKey?: string | Redacted.Redacted<string> | undefined
}

/** Maps {@link CheckoutOptions} onto core's generic connector options. */
export const toConnectorOptions = (options: CheckoutOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: { secretKey: options.secretKey },
  webhookSecrets: options.signatureKey !== undefined ? { signatureKey: options.signatureKey } : undefined
})

/**
 * Binds Checkout.com with explicit options, registers it in the `ConnectorRegistry` (for
 * `RefundService`) and provides {@link CheckoutRefunds}. Needs an `HttpClient` and a `ConnectorRegistry`.
 */
export const layer = (
  options: CheckoutOptions
): Layer.Layer<CheckoutRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(CheckoutRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `CHECKOUT_SECRET_KEY`, `CHECKOUT_WEBHOOK_SIGNATURE_KEY`,
 * `CHECKOUT_ENVIRONMENT` (sandbox | production) and `CHECKOUT_BASE_URL`, read by core's
 * `ConnectorLayer.optionsConfig`. `overrides` win over configuration. A missing key fails with a
 * `RefundError` (Configuration) naming `CHECKOUT_SECRET_KEY`, never echoing a value.
 */
export const layerConfig = (
  overrides?: Partial<CheckoutOptions>
): Layer.Layer<CheckoutRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(CheckoutRefunds, connector, overrides && toConnectorOptions(overrides as CheckoutOptions))
