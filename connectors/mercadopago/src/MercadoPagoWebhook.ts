/**
 * Mercado Pago Webhooks: `x-signature` verification and notification parsing.
 *
 * Scheme (Mercado Pago docs, "Webhooks" → "Validate notification origin", mercadopago/devsite-docs
 * `guides/additional-content/your-integrations/webhooks.en.md`; the SDK's `WebhookSignatureValidator`,
 * `mercadopago` 3.6.1 `dist/utils/webhook`):
 * - `x-signature: ts=<ts>,v1=<hex>`; `v1` = hex(HMAC-SHA256(key = the application's secret signature,
 *   message = `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`));
 * - `data.id` comes from the notification URL's query string; `x-request-id` from its header; a part whose value
 *   is absent is left out of the manifest ("If any of the values shown in the above template are not present in
 *   your notification, you should remove them");
 * - an alphanumeric `data.id` is lower-cased (the brief's rule, later docs; the SDK 3.6.1 does not lower-case,
 *   which only matters for ids with letters: payment ids are numbers).
 *
 * When the URL has no `data.id` (a receiver that strips the query), the body's `data.id` is the one that must be
 * signed: the verifier puts it in the manifest, so it is still covered by the signature, and parse uses the same
 * rule, refusing a body whose `data.id` differs from the signed one. The body itself is NOT signed.
 *
 * What is believed: only the signed payment id. A notification names the PAYMENT and carries no refund state
 * (`{ id, live_mode, type: "payment", date_created, user_id, api_version, action: "payment.updated", data: { id } }`),
 * so parse yields an event with a `notice` naming the payment and no refund snapshot: the core re-reads the payment's
 * stored refunds through `get`.
 *
 * The timestamp is signed but its unit is disputed (the docs call it milliseconds while their example
 * `ts=1704908010` is seconds; the SDK reads seconds) and Mercado Pago publishes no tolerance: it is not checked
 * (a replayed notification says nothing new: it names a payment whose refunds are re-read).
 */
import { Signature, WebhookError, WebhookEvent } from "@refract/core"
import type { Connector } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import * as MercadoPagoSchema from "./MercadoPagoSchema.ts"

export const SIGNATURE_HEADER = "x-signature"
export const REQUEST_ID_HEADER = "x-request-id"

const connectorId = "mercadopago"

export const secrets = {
  webhookSecret: {
    secret: true,
    description: "the application's secret signature (Your integrations → Webhooks → Configure notifications)",
    env: "MERCADOPAGO_WEBHOOK_SECRET"
  }
} as const

const failWith = (reason: WebhookError.WebhookErrorReason) => Effect.fail(new WebhookError.WebhookError({ connector: connectorId, reason }))

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

/** `ts` and `v1` of an `x-signature` header (keys case-insensitive, spaces trimmed), or undefined. */
export const parseSignatureHeader = (header: string): { readonly ts: string; readonly v1: string } | undefined => {
  let ts: string | undefined
  let v1: string | undefined
  for (const part of header.split(",")) {
    const eq = part.indexOf("=")
    if (eq === -1) continue
    const key = part.slice(0, eq).trim().toLowerCase()
    const value = part.slice(eq + 1).trim()
    if (key === "ts") ts = value
    else if (key === "v1") v1 = value
  }
  return ts !== undefined && /^\d{1,16}$/.test(ts) && v1 !== undefined && v1 !== "" ? { ts, v1 } : undefined
}

/** The manifest Mercado Pago signs, parts left out when absent; an alphanumeric `data.id` lower-cased. */
export const manifest = (dataId: string | undefined, requestId: string | undefined, ts: string): string => {
  const id = dataId === undefined || dataId === "" ? undefined : /^[A-Za-z0-9]+$/.test(dataId) ? dataId.toLowerCase() : dataId
  return `${id !== undefined ? `id:${id};` : ""}${requestId !== undefined && requestId !== "" ? `request-id:${requestId};` : ""}ts:${ts};`
}

/** Hex HMAC-SHA256 of the manifest: the `v1` of a notification. */
export const signature = (secret: string | Redacted.Redacted<string>, dataId: string | undefined, requestId: string | undefined, ts: string): string =>
  Signature.hmacSha256Hex(secret, manifest(dataId, requestId, ts))

const queryDataId = (url: string): string | undefined => {
  try {
    const value = new URL(url, "http://localhost/").searchParams.get("data.id")
    return value === null || value.trim() === "" ? undefined : value.trim()
  } catch {
    return undefined
  }
}

const bodyDataId = (body: Uint8Array): string | undefined => {
  try {
    const json = JSON.parse(new TextDecoder().decode(body)) as { data?: { id?: unknown } } | null
    const id = json?.data?.id
    return typeof id === "string" && id.trim() !== "" ? id.trim() : typeof id === "number" ? MercadoPagoSchema.idText(id) : undefined
  } catch {
    return undefined
  }
}

/** The `data.id` the signature must cover: the URL's query parameter, else the body's `data.id`. */
export const signedDataId = (request: { readonly url: string; readonly body: Uint8Array }): string | undefined =>
  queryDataId(request.url) ?? bodyDataId(request.body)

const header = (headers: Readonly<Record<string, string>>, name: string): string | undefined =>
  Object.hasOwn(headers, name) ? headers[name]?.trim() || undefined : undefined

/** Verifies a delivery's `x-signature` in constant time. Fails closed. */
export const verifySignature = (
  request: { readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  secret: Redacted.Redacted<string>
): Effect.Effect<void, WebhookError.WebhookError> =>
  Effect.suspend(() => {
    const value = header(request.headers, SIGNATURE_HEADER)
    if (value === undefined) return failWith(new WebhookError.MissingSignature({ message: "no x-signature header" }))
    const parsed = parseSignatureHeader(value)
    if (parsed === undefined) {
      return failWith(new WebhookError.InvalidSignature({ message: "x-signature is not ts=<digits>,v1=<hex>" }))
    }
    const expected = Signature.hmacSha256(secret, manifest(signedDataId(request), header(request.headers, REQUEST_ID_HEADER), parsed.ts))
    if (!Signature.equalsHex(expected, parsed.v1)) {
      return failWith(new WebhookError.InvalidSignature({
        message: "x-signature does not match: check the secret signature and that data.id and x-request-id reach the receiver unchanged"
      }))
    }
    return Effect.void
  })

/**
 * Parses a verified notification. Only `payment` notifications concern refunds; they yield one event naming the
 * payment (no refund snapshot: the delivery carries no refund state). Other topics yield one event too, so the
 * delivery is acknowledged. The event id is built from signed parts only: the signed `data.id` and `x-request-id`
 * (else `ts`).
 */
export const parseEvents = (request: WebhookEvent.RawWebhookRequest): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(request.body))
  } catch {
    return Result.fail(malformed("the body is not JSON"))
  }
  const decoded = MercadoPagoSchema.decodeNotification(json)
  if (Result.isFailure(decoded)) return Result.fail(malformed(`not a Mercado Pago notification: ${decoded.failure}`))
  const signedId = signedDataId(request)
  const parsed = parseSignatureHeader(header(request.headers, SIGNATURE_HEADER) ?? "")
  if (signedId === undefined || parsed === undefined) return Result.fail(malformed("the notification names no data.id or has no x-signature"))
  const inBody = MercadoPagoSchema.idText(decoded.success.data?.id ?? undefined)
  if (inBody !== undefined && inBody !== signedId) {
    return Result.fail(malformed(`the body's data.id ${JSON.stringify(inBody.slice(0, 32))} is not the signed ${JSON.stringify(signedId.slice(0, 32))}`))
  }
  const topic = decoded.success.type ?? "unknown"
  if (topic === "payment" && !MercadoPagoSchema.isNumericId(signedId)) return Result.fail(malformed("a payment notification's data.id is not a payment id"))
  // The notification's identity: its signed x-request-id (a redelivery of the same notification keeps its headers),
  // else the signed ts. A fresh request id per retry only costs one more re-read of the payment.
  const requestId = header(request.headers, REQUEST_ID_HEADER)
  return Result.succeed([
    new WebhookEvent.WebhookEvent({
      connector: connectorId,
      eventId: `${topic}:${signedId}:${requestId ?? `ts-${parsed.ts}`}`,
      eventType: decoded.success.action ?? topic,
      // The core re-reads the stored refunds of the named payment through `get` and applies what the read says.
      ...(topic === "payment" ? { notice: new WebhookEvent.WebhookNotice({ connectorTransactionId: signedId }) } : {})
    })
  ])
}

export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: "x-signature: ts=<ts>,v1=hex(HMAC-SHA256(secret signature, \"id:<data.id>;request-id:<x-request-id>;ts:<ts>;\")); names the payment only",
  verify: (request, decoded) => verifySignature(request, decoded.webhookSecret),
  parse: parseEvents,
  acknowledgement: { status: 200, contentType: "text/plain", body: "OK" }
}
