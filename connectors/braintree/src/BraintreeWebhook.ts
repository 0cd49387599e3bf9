/**
 * Braintree webhooks: `bt_signature` verification and refund notification parsing.
 *
 * A delivery is a form POST (`application/x-www-form-urlencoded`) with two fields (braintree_node 3.40.0
 * `lib/braintree/webhook_notification_gateway.js` `parse(signature, payload)`):
 * - `bt_payload`: base64 (with newlines) of an XML `<notification>` with `<timestamp>`, `<kind>` and `<subject>`;
 * - `bt_signature`: `<public_key>|<hex signature>` pairs joined by `&`; the pair of the receiver's public key
 *   counts. The signature is `hex(HMAC-SHA1(key = SHA1(private key) as 20 raw bytes, message = bt_payload))`
 *   (`digest.js` `Sha1hexdigest`), accepted over the payload or the payload + "\n". Payloads with characters
 *   outside `[A-Za-z0-9+=/\n]` are refused before anything else.
 *
 * Everything the parser reads is inside the signed payload (the kind, the timestamp, the transaction), so
 * the event id (kind, transaction id, digest of the payload) comes from signed content only.
 *
 * Refund kinds (`webhook_notification.js` Kind): `refund_failed` (subject: the refund, e.g. `processor_declined`),
 * and the transaction kinds `transaction_settled` and `transaction_settlement_declined` (for refunds: subject of
 * `type` `credit`). Other kinds (and sale subjects) parse to an event without a refund.
 *
 * Failure reasons: no `bt_signature` → MissingSignature; no matching public key, a signature that does not
 * match, a payload with illegal characters → InvalidSignature; a verified payload that is not a notification
 * → MalformedPayload (at parse).
 */
import { Money, Refund, Timestamp, WebhookError, WebhookEvent } from "@refract/core"
import type { Connector, RefundStatus } from "@refract/core"
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { Effect, Redacted, Result } from "effect"
import * as BraintreeSchema from "./BraintreeSchema.ts"
import type * as BraintreeXml from "./BraintreeXml.ts"

const connectorId = "braintree"

/** The webhook secrets a receiver holds: the same API key pair the gateway calls use. */
export const secrets = {
  publicKey: {
    secret: false,
    pattern: /^[A-Za-z0-9_-]+$/,
    description: "the public key of the API key pair the webhooks are signed for (the same as BRAINTREE_PUBLIC_KEY)",
    env: "BRAINTREE_WEBHOOK_PUBLIC_KEY"
  },
  privateKey: {
    secret: true,
    pattern: /^\S+$/,
    description: "the private key that goes with it (the same as BRAINTREE_PRIVATE_KEY)",
    env: "BRAINTREE_WEBHOOK_PRIVATE_KEY"
  }
} as const

/** `bt_payload` may hold only these (braintree_node `parse`: `/[^A-Za-z0-9+=\/\n]/` is refused). */
export const payloadPattern = /^[A-Za-z0-9+=/\n]+$/

/** Hex HMAC-SHA1 of `data` keyed with SHA1(private key): Braintree's webhook signature. */
export const signature = (privateKey: string | Redacted.Redacted<string>, data: string): string => {
  const key = createHash("sha1").update(typeof privateKey === "string" ? privateKey : Redacted.value(privateKey), "utf8").digest()
  return createHmac("sha1", key).update(data, "utf8").digest("hex")
}

/** `bt_signature` for one key pair. */
export const signatureParam = (publicKey: string, privateKey: string | Redacted.Redacted<string>, payload: string): string =>
  `${publicKey}|${signature(privateKey, payload)}`

const failWith = (reason: WebhookError.WebhookErrorReason) => Effect.fail(new WebhookError.WebhookError({ connector: connectorId, reason }))
const invalid = (message: string) => failWith(new WebhookError.InvalidSignature({ message }))

/** The form fields of a delivery (strict UTF-8); undefined when the body is not text. */
export const formOf = (body: Uint8Array): URLSearchParams | undefined => {
  try {
    return new URLSearchParams(new TextDecoder("utf-8", { fatal: true }).decode(body))
  } catch {
    return undefined
  }
}

const hexPattern = /^[0-9a-f]{40}$/

const equalHex = (expected: string, given: string): boolean =>
  hexPattern.test(given) && timingSafeEqual(Buffer.from(expected, "utf8"), Buffer.from(given, "utf8"))

/** Verifies a delivery's `bt_signature` over its `bt_payload`, in constant time. Fails closed. */
export const verifySignature = (
  request: { readonly body: Uint8Array },
  publicKey: string,
  privateKey: Redacted.Redacted<string>
): Effect.Effect<void, WebhookError.WebhookError> =>
  Effect.suspend(() => {
    const form = formOf(request.body)
    const sig = form?.get("bt_signature") ?? undefined
    if (sig === undefined || sig.trim() === "") return failWith(new WebhookError.MissingSignature({ message: "no bt_signature field" }))
    const payload = form?.get("bt_payload") ?? ""
    if (payload === "") return invalid("no bt_payload field")
    if (!payloadPattern.test(payload)) return invalid("bt_payload contains characters outside base64")
    const pairs = sig.split("&").filter((p) => p.includes("|")).map((p) => p.split("|"))
    const pair = pairs.find((p) => p[0] === publicKey)
    if (pair === undefined) return invalid("bt_signature has no signature for this public key: check BRAINTREE_WEBHOOK_PUBLIC_KEY")
    const given = (pair[1] ?? "").toLowerCase()
    // Both candidates are always computed and compared: no early exit on the first.
    const plain = equalHex(signature(privateKey, payload), given)
    const newline = equalHex(signature(privateKey, `${payload}\n`), given)
    if (!(plain || newline)) {
      return invalid("bt_signature does not match bt_payload: check the private key and that the raw body is passed unchanged")
    }
    return Effect.void
  })

/** Braintree transaction status → unified status (braintree_node `transaction.js` `Transaction.Status`). */
export const statusOf = (raw: string | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "authorizing":
    case "authorized":
    case "submitted_for_settlement":
    case "settling":
    case "settlement_pending":
      return { status: "Pending", rawStatus: raw }
    case "settled":
    case "settlement_confirmed":
      return { status: "Succeeded", rawStatus: raw }
    case "processor_declined":
    case "gateway_rejected":
    case "failed":
    case "settlement_declined":
    case "authorization_expired":
      return { status: "Failed", rawStatus: raw }
    case "voided":
      return { status: "Cancelled", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "null" }
  }
}

/** Settlement evidence: the settlement batch, when the refund reached `settled`, its ARN when Braintree gives one. */
export const settlementOf = (t: BraintreeSchema.Transaction, arn?: string): Refund.Settlement | undefined => {
  const settledEvent = t.statusHistory.find((h) => h.status === "settled")
  const settledAt = settledEvent?.timestamp !== undefined ? Timestamp.fromIsoString(settledEvent.timestamp) : undefined
  if (t.settlementBatchId === undefined && settledAt === undefined && arn === undefined) return undefined
  return new Refund.Settlement({
    ...(arn !== undefined ? { traceReference: arn, traceReferenceType: "arn" } : {}),
    ...(settledAt !== undefined ? { settledAt } : {}),
    ...(t.settlementBatchId !== undefined ? { batchId: t.settlementBatchId } : {})
  })
}

export interface SnapshotOptions {
  readonly occurredAt?: number | undefined
  readonly merchantRefundId?: string | undefined
  readonly status?: { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } | undefined
  /** The transaction element, for `raw` and fields the typed view does not keep. */
  readonly element?: BraintreeXml.Element | undefined
}

const failedStatuses: ReadonlySet<string> = new Set(["Failed"])

/** A refund transaction → a snapshot. Fails (never throws) on an unknown currency or a malformed amount. */
export const toSnapshot = (t: BraintreeSchema.Transaction, options: SnapshotOptions = {}): Result.Result<Refund.RefundSnapshot, string> => {
  let amount: Money.Money | undefined
  if (t.amount !== undefined && t.currencyIsoCode !== undefined) {
    const money = Money.fromDecimalString(t.amount, t.currencyIsoCode)
    if (Result.isFailure(money)) return Result.fail(`refund ${t.id}: ${Money.describeProblem(money.failure)}`)
    amount = money.success
  }
  const { status, rawStatus } = options.status ?? statusOf(t.status)
  const arnElement = options.element?.children.find((c) => c.name === "acquirer-reference-number")
  const arn = arnElement !== undefined && arnElement.children.length === 0 && arnElement.text.trim() !== "" ? arnElement.text.trim() : undefined
  const transactionId = t.refundedTransactionId !== undefined && BraintreeSchema.idPattern.test(t.refundedTransactionId) ? t.refundedTransactionId : undefined
  try {
    const snapshot = new Refund.RefundSnapshot({
      connectorRefundId: t.id,
      connectorTransactionId: transactionId,
      merchantRefundId: options.merchantRefundId,
      amount,
      status,
      rawStatus,
      failure: failedStatuses.has(status) && (t.processorResponseCode !== undefined || t.processorResponseText !== undefined)
        ? new Refund.FailureDetails({ code: t.processorResponseCode, message: t.processorResponseText })
        : undefined,
      occurredAt: options.occurredAt,
      createdAt: t.createdAt !== undefined ? Timestamp.fromIsoString(t.createdAt) : undefined,
      settlement: settlementOf(t, arn)
    })
    return Result.succeed(
      options.element === undefined ? snapshot : Refund.withProcessorData(snapshot, { raw: BraintreeSchema.toJson(options.element) })
    )
  } catch (error) {
    return Result.fail(`refund ${t.id}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

/** Kinds whose transaction subject is a refund whatever its `type` says. */
export const refundKinds: ReadonlySet<string> = new Set(["refund_failed"])
/** Transaction kinds that report a refund when their subject is a `credit`. */
export const transactionKinds: ReadonlySet<string> = new Set(["transaction_settled", "transaction_settlement_declined"])

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

/** Decodes base64 with newlines, strictly (what {@link payloadPattern} lets through, and padding in place). */
export const decodeBase64 = (payload: string): string | undefined => {
  const compact = payload.replace(/\n/g, "")
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) return undefined
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(compact, "base64"))
  } catch {
    return undefined
  }
}

/**
 * The status a refund notification reports: the subject's own status when it is a known one; otherwise
 * what the kind says (`refund_failed` failed, `transaction_settlement_declined` failed,
 * `transaction_settled` succeeded).
 */
export const eventStatus = (kind: string, subjectStatus: string): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  const own = statusOf(subjectStatus)
  if (own.status !== "Unknown") return own
  if (kind === "refund_failed" || kind === "transaction_settlement_declined") return { status: "Failed", rawStatus: subjectStatus }
  if (kind === "transaction_settled") return { status: "Succeeded", rawStatus: subjectStatus }
  return own
}

/** Parses a verified delivery into one event (with the refund when the notification is about one). */
export const parseEvents = (request: { readonly body: Uint8Array }): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  const form = formOf(request.body)
  const payload = form?.get("bt_payload") ?? undefined
  if (payload === undefined || !payloadPattern.test(payload)) return Result.fail(malformed("no valid bt_payload field"))
  const xml = decodeBase64(payload)
  if (xml === undefined) return Result.fail(malformed("bt_payload is not base64 of UTF-8 text"))
  const decoded = BraintreeSchema.decodeNotification(xml)
  if (Result.isFailure(decoded)) return Result.fail(malformed(`not a Braintree notification: ${decoded.failure}`))
  const n = decoded.success
  const occurredAt = n.timestamp !== undefined ? Timestamp.fromIsoString(n.timestamp) : undefined
  const digest = createHash("sha256").update(xml, "utf8").digest("hex").slice(0, 32)
  const plain = () =>
    Result.succeed([new WebhookEvent.WebhookEvent({ connector: connectorId, eventId: `${n.kind}:${digest}`, eventType: n.kind, occurredAt })])
  if (n.transaction === undefined) {
    if (refundKinds.has(n.kind) || transactionKinds.has(n.kind)) return Result.fail(malformed(`${n.kind}: the subject has no transaction`))
    return plain()
  }
  const t = BraintreeSchema.readTransaction(n.transaction)
  if (Result.isFailure(t)) return Result.fail(malformed(`${n.kind}: ${t.failure}`))
  const isRefund = refundKinds.has(n.kind) || (transactionKinds.has(n.kind) && t.success.type === "credit")
  if (!isRefund) return plain()
  const parsed = toSnapshot(t.success, { occurredAt, status: eventStatus(n.kind, t.success.status), element: n.transaction })
  if (Result.isFailure(parsed)) return Result.fail(malformed(`${n.kind}: ${parsed.failure}`))
  return Result.succeed([
    new WebhookEvent.WebhookEvent({
      connector: connectorId,
      eventId: `${n.kind}:${t.success.id}:${digest}`,
      eventType: n.kind,
      refund: parsed.success,
      occurredAt
    })
  ])
}

/** The connector's webhook support. */
export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: "bt_signature = <public key>|hex(HMAC-SHA1(SHA1(private key), bt_payload)); the signed payload carries a timestamp, not checked for age (Braintree retries deliveries)",
  verify: (request, decoded) => verifySignature(request, decoded.publicKey, decoded.privateKey),
  parse: parseEvents,
  acknowledgement: { status: 200, contentType: "text/plain", body: "OK" }
}
