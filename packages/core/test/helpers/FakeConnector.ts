/**
 * "fakepay": a small processor used to test the core without any real connector.
 * JSON API: POST /refunds (Idempotency-Key), GET /refunds/:id, GET /refunds?merchant_refund_id=
 * Errors: { error: { code, message } } with a Request-Id header.
 */
import { Option, Redacted, Result } from "effect"
import { Connector, Money, ProcessorHttp, Refund, RefundError, Signature, WebhookError, WebhookEvent } from "@refract/core"
import { Effect } from "effect"

const statusMap: Record<string, "Pending" | "Succeeded" | "Failed" | "Cancelled" | "RequiresAction"> = {
  pending: "Pending",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Cancelled",
  requires_action: "RequiresAction"
}

interface WireRefund {
  readonly id: string
  readonly status: string
  readonly amount: number
  readonly currency: string
  readonly payment: string
  readonly merchant_refund_id?: string
  readonly updated?: number
}

export const snapshotOf = (w: WireRefund): Refund.RefundSnapshot =>
  new Refund.RefundSnapshot({
    connectorRefundId: w.id,
    connectorTransactionId: w.payment,
    merchantRefundId: w.merchant_refund_id,
    amount: Money.make(w.amount, w.currency),
    status: statusMap[w.status] ?? "Unknown",
    rawStatus: w.status,
    occurredAt: w.updated
  })

const parseRefund = (response: ProcessorHttp.ProcessorResponse) => {
  const body = ProcessorHttp.parseJson(response.body) as WireRefund | undefined
  if (body === undefined || typeof body.id !== "string" || typeof body.status !== "string") {
    return Result.fail(new RefundError.UnexpectedResponse({ message: "not a fakepay refund" }))
  }
  return Result.succeed(snapshotOf(body))
}

export const credentialSpec = {
  apiKey: { secret: true, pattern: /^fk_[a-z]+_[A-Za-z0-9]+$/, description: "a fakepay key (fk_test_…)", env: "FAKEPAY_API_KEY" },
  account: { secret: false, optional: true, description: "sub-account", env: "FAKEPAY_ACCOUNT" }
} as const

const webhookSpec = {
  signingSecret: { secret: true, description: "webhook signing secret", env: "FAKEPAY_WEBHOOK_SECRET" }
} as const

const base = {
  id: "fakepay",
  displayName: "FakePay",
  capabilities: {
    create: true,
    get: true,
    lookup: true,
    lookupFindsPending: true,
    webhooks: true,
    partialRefunds: true,
    fullRefundWithoutAmount: true,
    reportsReversals: true,
    cancellation: true,
    cancelRefund: false,
    list: false,
    reports: false
  },
  environments: { sandbox: "https://sandbox.fakepay.test/v1", production: "https://{account}.fakepay.test/v1" },
  credentials: credentialSpec,
  idempotencyKey: { maxLength: 40, windowMillis: 24 * 60 * 60 * 1000 },
  secretHeaders: ["x-fake-key"],
  rateLimit: { requestsPerSecond: 10 },
  create: {
    build: (input: Refund.CreateRefundRequest, ctx: Connector.CreateContext<any>) =>
      Result.succeed<ProcessorHttp.ProcessorRequest>({
        method: "POST",
        path: "/refunds",
        headers: { "idempotency-key": ctx.idempotencyKey },
        body: ProcessorHttp.json({
          payment: input.connectorTransactionId,
          amount: input.amount?.amount,
          currency: input.amount?.currency,
          merchant_refund_id: input.merchantRefundId
        })
      }),
    parse: parseRefund
  },
  get: {
    build: (ref: Refund.RefundReference) =>
      Result.succeed<ProcessorHttp.ProcessorRequest>({ method: "GET", path: `/refunds/${ProcessorHttp.segment(ref.connectorRefundId)}` }),
    parse: parseRefund
  },
  lookup: {
    build: (req: Connector.LookupRequest) =>
      Result.succeed<ProcessorHttp.ProcessorRequest>({ method: "GET", path: "/refunds", query: { merchant_refund_id: req.merchantRefundId } }),
    parse: (response: ProcessorHttp.ProcessorResponse) => {
      const body = ProcessorHttp.parseJson(response.body) as { data?: Array<WireRefund> } | undefined
      if (body?.data === undefined) return Result.fail(new RefundError.UnexpectedResponse({ message: "not a list" }))
      return Result.succeed(body.data.length > 0 ? Option.some(snapshotOf(body.data[0]!)) : Option.none())
    }
  },
  mapError: (response: ProcessorHttp.ProcessorResponse): RefundError.ProcessorErrorDetails => {
    const body = ProcessorHttp.parseJson(response.body) as { error?: { code?: string; message?: string } } | undefined
    const code = body?.error?.code
    const message = body?.error?.message ?? `status ${response.status}`
    const requestId = ProcessorHttp.header(response, "request-id")
    const retryAfter = ProcessorHttp.header(response, "retry-after")
    const reason = code === "amount_too_large"
      ? new RefundError.RefundRejected({ message, kind: "AmountTooLarge" })
      : RefundError.reasonFromHttpStatus(response.status, message, retryAfter !== undefined ? Number(retryAfter) * 1000 : undefined)
    return { reason, processorCode: code, processorMessage: message, requestId }
  },
  retryHint: (response: ProcessorHttp.ProcessorResponse) => {
    const should = ProcessorHttp.header(response, "should-retry")
    return { retry: should === undefined ? undefined : should === "true" }
  },
  webhooks: {
    secrets: webhookSpec,
    scheme: "hex HMAC-SHA256 of the raw body in X-Fake-Signature",
    verify: (request: WebhookEvent.RawWebhookRequest, secrets: { readonly signingSecret: Redacted.Redacted<string> }) => {
      const signature = request.headers["x-fake-signature"]
      if (signature === undefined) {
        return Effect.fail(new WebhookError.WebhookError({ connector: "fakepay", reason: new WebhookError.MissingSignature({ message: "no X-Fake-Signature" }) }))
      }
      return Signature.equalsHex(Signature.hmacSha256(secrets.signingSecret, request.body), signature)
        ? Effect.void
        : Effect.fail(new WebhookError.WebhookError({ connector: "fakepay", reason: new WebhookError.InvalidSignature({ message: "signature mismatch" }) }))
    },
    parse: (request: WebhookEvent.RawWebhookRequest) => {
      const body = ProcessorHttp.parseJson(WebhookEvent.bodyText(request)) as { id?: string; type?: string; refund?: WireRefund } | undefined
      if (body?.id === undefined || body.refund === undefined) {
        return Result.fail(new WebhookError.WebhookError({ connector: "fakepay", reason: new WebhookError.MalformedPayload({ message: "bad event" }) }))
      }
      return Result.succeed([new WebhookEvent.WebhookEvent({ connector: "fakepay", eventId: body.id, eventType: body.type ?? "refund", refund: snapshotOf(body.refund) })])
    },
    acknowledgement: { status: 200, contentType: "text/plain", body: "ok" }
  }
}

export const fakeConnector = Connector.make({
  ...base,
  auth: { _tag: "Static", headers: (c) => ({ "x-fake-key": c.apiKey }) }
})

/** The same processor with OAuth-style tokens from POST /oauth/token. */
export const fakeTokenConnector = Connector.make({
  ...base,
  id: "fakepay-oauth",
  auth: {
    _tag: "AccessToken",
    tokenRequest: (c) => ({
      method: "POST",
      path: "/oauth/token",
      headers: { "x-fake-key": c.apiKey },
      body: ProcessorHttp.form([["grant_type", "client_credentials"]])
    }),
    parseToken: (response) => {
      const body = ProcessorHttp.parseJson(response.body) as { access_token?: string; expires_in?: number } | undefined
      return body?.access_token === undefined
        ? Result.fail(new RefundError.UnexpectedResponse({ message: "no token" }))
        : Result.succeed({ token: Redacted.make(body.access_token), expiresInSeconds: body.expires_in ?? 3600 })
    },
    headers: (token) => ({ authorization: Redacted.make(`Bearer ${Redacted.value(token)}`) })
  }
})

export const testKey = "fk_test_secretvalue123"
