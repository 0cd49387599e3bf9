/**
 * "hookpay": a tiny processor for the event, tracker and HTTP tests, with an HMAC webhook scheme of
 * its own, plus an in-memory processor behind a fake HttpClient that the tracker can poll.
 *
 * Signature header: `x-hookpay-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * Body: `{ "events": [ { "id", "type", "refund"?: { id, status, amount, currency, payment, updated? } } ] }`.
 *
 * Variants: "hookonly" (no status endpoint, like Adyen; acknowledges with `[accepted]`) and
 * "plainhook" (a processor that does not sign at all).
 */
import { Clock, Effect, Layer, Redacted, Result } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import {
  BoundConnector,
  Connector,
  ConnectorRegistry,
  Money,
  ProcessorHttp,
  Refund,
  RefundError,
  Signature,
  WebhookError,
  WebhookEvent
} from "@refract/core"

export const signingSecret = "whsec_hookpay_test_secret"
export const apiKey = "hk_test_123"

const statuses: Record<string, Refund.RefundSnapshot["status"]> = {
  pending: "Pending",
  requires_action: "RequiresAction",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Cancelled",
  reversed: "Reversed"
}

export interface WireRefund {
  readonly id: string
  readonly status: string
  readonly amount: number
  readonly currency: string
  readonly payment: string
  readonly merchant_refund_id?: string | undefined
  readonly updated?: number | undefined
}

export interface WireEvent {
  readonly id: string
  readonly type: string
  readonly refund?: WireRefund | undefined
  /** Names what changed without saying how (a notice: the core reads it). */
  readonly notice?: { readonly refund?: string; readonly payment?: string } | undefined
}

export const snapshotOf = (w: WireRefund): Refund.RefundSnapshot =>
  new Refund.RefundSnapshot({
    connectorRefundId: w.id,
    connectorTransactionId: w.payment,
    merchantRefundId: w.merchant_refund_id,
    amount: Money.make(w.amount, w.currency),
    status: (Object.hasOwn(statuses, w.status) ? statuses[w.status] : undefined) ?? "Unknown",
    rawStatus: w.status,
    occurredAt: w.updated
  })

const malformed = (connector: string, message: string) =>
  new WebhookError.WebhookError({ connector, reason: new WebhookError.MalformedPayload({ message }) })

const parseEvents = (connector: string) => (request: WebhookEvent.RawWebhookRequest) => {
  const body = ProcessorHttp.parseJson(WebhookEvent.bodyText(request)) as { events?: ReadonlyArray<WireEvent> } | undefined
  if (body === undefined || !Array.isArray(body.events)) return Result.fail(malformed(connector, "expected { events: [...] }"))
  const out: Array<WebhookEvent.WebhookEvent> = []
  for (const e of body.events) {
    if (typeof e?.id !== "string" || typeof e.type !== "string") return Result.fail(malformed(connector, "event without id or type"))
    out.push(new WebhookEvent.WebhookEvent({
      connector,
      eventId: e.id,
      eventType: e.type,
      refund: e.refund === undefined ? undefined : snapshotOf(e.refund),
      notice: e.notice === undefined
        ? undefined
        : new WebhookEvent.WebhookNotice({ connectorRefundId: e.notice.refund, connectorTransactionId: e.notice.payment })
    }))
  }
  return Result.succeed(out)
}

const refuse = (connector: string) => (reason: WebhookError.WebhookErrorReason) =>
  Effect.fail(new WebhookError.WebhookError({ connector, reason }))

const verifyHmac = (connector: string) =>
(
  request: WebhookEvent.RawWebhookRequest,
  secrets: { readonly signingSecret: Redacted.Redacted<string> },
  context: Connector.VerifyContext
) =>
  Effect.gen(function*() {
    const header = request.headers["x-hookpay-signature"]
    const fail = refuse(connector)
    if (header === undefined) return yield* fail(new WebhookError.MissingSignature({ message: "no x-hookpay-signature header" }))
    const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]))
    const t = Number(parts["t"])
    if (!Number.isFinite(t) || parts["v1"] === undefined) {
      return yield* fail(new WebhookError.InvalidSignature({ message: "malformed signature header" }))
    }
    if (Math.abs(context.now / 1000 - t) > 300) {
      return yield* fail(new WebhookError.TimestampOutOfTolerance({ message: "timestamp too old", toleranceSeconds: 300 }))
    }
    const expected = Signature.hmacSha256(secrets.signingSecret, Signature.concatBytes(`${t}.`, request.body))
    if (!Signature.equalsHex(expected, parts["v1"])) {
      return yield* fail(new WebhookError.InvalidSignature({ message: "signature does not match" }))
    }
  })

const parseRefund = (response: ProcessorHttp.ProcessorResponse) => {
  const body = ProcessorHttp.parseJson(response.body) as WireRefund | undefined
  if (body === undefined || typeof body.id !== "string") {
    return Result.fail(new RefundError.UnexpectedResponse({ message: "not a hookpay refund" }))
  }
  return Result.succeed(snapshotOf(body))
}

const make = (
  id: string,
  options: { readonly get: boolean; readonly ack: "json" | "accepted"; readonly signed: boolean; readonly rps?: number }
) => {
  const webhooks: Connector.WebhookSupport<any> = options.signed
    ? {
      secrets: {
        signingSecret: { secret: true, pattern: /^whsec_\S+$/, description: "webhook signing secret (whsec_…)", env: `${id.toUpperCase()}_WEBHOOK_SECRET` }
      },
      scheme: "HMAC-SHA256 hex of `<t>.<body>` in x-hookpay-signature",
      verify: verifyHmac(id),
      parse: parseEvents(id),
      acknowledgement: options.ack === "json"
        ? { status: 200, contentType: "application/json", body: "{\"received\":true}" }
        : { status: 200, contentType: "text/plain", body: "[accepted]" }
    }
    : {
      secrets: {},
      scheme: "none: this processor does not sign its webhooks",
      verify: () =>
        Effect.fail(new WebhookError.WebhookError({
          connector: id,
          reason: new WebhookError.MissingSignature({ message: "plainhook does not sign webhooks" })
        })),
      parse: parseEvents(id),
      acknowledgement: { status: 204, contentType: "text/plain", body: "" }
    }
  return Connector.make({
    id,
    displayName: id === "hookpay" ? "HookPay" : id,
    capabilities: {
      create: true,
      get: options.get,
      lookup: false,
      lookupFindsPending: false,
      webhooks: true,
      partialRefunds: true,
      fullRefundWithoutAmount: true,
      reportsReversals: true,
      cancellation: true,
      cancelRefund: false,
      list: false,
      reports: false
    },
    environments: { sandbox: `https://sandbox.${id}.test`, production: `https://api.${id}.test` },
    credentials: {
      apiKey: { secret: true, pattern: /^hk_[a-z]+_[A-Za-z0-9]+$/, description: "a hookpay key (hk_test_…)", env: "HOOKPAY_API_KEY" }
    },
    auth: { _tag: "Static", headers: (c) => ({ authorization: Redacted.make(`Bearer ${Redacted.value(c.apiKey)}`) }) },
    idempotencyKey: { maxLength: 64, windowMillis: 24 * 60 * 60 * 1000 },
    secretHeaders: [],
    rateLimit: { requestsPerSecond: options.rps ?? 50 },
    create: {
      build: (input, ctx) =>
        Result.succeed({
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
    get: options.get
      ? {
        build: (ref) => Result.succeed({ method: "GET", path: `/refunds/${ProcessorHttp.segment(ref.connectorRefundId)}` }),
        parse: parseRefund
      }
      : undefined,
    mapError: (response) => ({ reason: RefundError.reasonFromHttpStatus(response.status, `hookpay ${response.status}`) }),
    retryHint: () => ({}),
    webhooks
  })
}

export const hookpay = make("hookpay", { get: true, ack: "json", signed: true })
export const hookonly = make("hookonly", { get: false, ack: "accepted", signed: true })
export const plainhook = make("plainhook", { get: true, ack: "json", signed: false })
/** Polls at most 2 per second. */
export const slowpay = make("slowpay", { get: true, ack: "json", signed: true, rps: 2 })

/** Signs a body the way hookpay does. */
export const sign = (body: string, options: { readonly secret?: string; readonly t?: number } = {}): string => {
  const t = options.t ?? Math.floor(Date.now() / 1000)
  const mac = Signature.hmacSha256(Redacted.make(options.secret ?? signingSecret), `${t}.${body}`)
  return `t=${t},v1=${Signature.toHex(mac)}`
}

export const refund = (over: Partial<WireRefund> = {}): WireRefund => ({
  id: "re_1",
  status: "pending",
  amount: 1050,
  currency: "USD",
  payment: "pay_1",
  ...over
})

/** A signed delivery of `events`. */
export const delivery = (
  events: ReadonlyArray<WireEvent>,
  options: { readonly secret?: string; readonly t?: number; readonly tamper?: boolean; readonly url?: string } = {}
): WebhookEvent.RawWebhookRequest => {
  const body = JSON.stringify({ events })
  const signature = sign(body, options)
  return WebhookEvent.makeRawRequest({
    method: "POST",
    url: options.url ?? "http://localhost/webhooks/hookpay",
    headers: { "content-type": "application/json", "x-hookpay-signature": signature },
    body: options.tamper ? body.replace("succeeded", "failed") : body
  })
}

export const event = (id: string, r?: WireRefund, type = "refund.updated"): WireEvent => ({ id, type, refund: r })

/**
 * A processor the tracker can poll: refunds by id in a map the test changes, served through a fake
 * HttpClient (GET /refunds/:id), with every request counted.
 */
export interface Processor {
  readonly refunds: Map<string, WireRefund>
  /** `at` is Effect's Clock time (the TestClock in tests). */
  readonly requests: Array<{ readonly method: string; readonly url: string; readonly at: number }>
  readonly layer: Layer.Layer<HttpClient.HttpClient>
  readonly set: (id: string, status: string) => void
  /** While true, every request is answered 503. */
  down: boolean
}

export const processor = (): Processor => {
  const refunds = new Map<string, WireRefund>()
  const requests: Array<{ method: string; url: string; at: number }> = []
  let created = 0
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      requests.push({ method: request.method, url: url.toString(), at: yield* Clock.currentTimeMillis })
      const respond = (status: number, body: unknown) =>
        HttpClientResponse.fromWeb(request, new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } }))
      if (state.down) return respond(503, { error: "unavailable" })
      const match = /\/refunds\/([^/?]+)$/.exec(url.pathname)
      if (request.method === "GET" && match !== null) {
        const found = refunds.get(decodeURIComponent(match[1]!))
        return found === undefined ? respond(404, { error: "no such refund" }) : respond(200, found)
      }
      if (request.method === "POST" && url.pathname.endsWith("/refunds")) {
        const body = request.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(request.body.body)) : {}
        const r = refund({
          id: `re_${++created}`,
          amount: body.amount,
          currency: body.currency,
          payment: body.payment,
          merchant_refund_id: body.merchant_refund_id
        })
        refunds.set(r.id, r)
        return respond(200, r)
      }
      return respond(404, { error: "not found" })
    })
  )
  const state: Processor = {
    refunds,
    requests,
    down: false,
    layer: Layer.succeed(HttpClient.HttpClient, client),
    set: (id, status) => {
      const r = refunds.get(id)
      if (r !== undefined) refunds.set(id, { ...r, status })
    }
  }
  return state
}

export const options = (over: Partial<BoundConnector.ConnectorOptions> = {}): BoundConnector.ConnectorOptions => ({
  credentials: { apiKey },
  webhookSecrets: { signingSecret },
  retry: { maxAttempts: 1 },
  ...over
})

/** Registry with hookpay, hookonly and plainhook bound (plainhook without secrets: it has none). */
export const registryLayer = (over: Partial<BoundConnector.ConnectorOptions> = {}) =>
  Layer.mergeAll(
    ConnectorRegistry.register(hookpay, options(over)),
    ConnectorRegistry.register(hookonly, options(over)),
    ConnectorRegistry.register(slowpay, options(over)),
    ConnectorRegistry.register(plainhook, { ...options(over), webhookSecrets: undefined })
  ).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer))
