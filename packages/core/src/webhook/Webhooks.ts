/**
 * Verifying and parsing a webhook delivery with a bound connector. Verification always comes
 * first and fails closed; nothing is parsed from a delivery that did not verify.
 */
import { Clock, Effect, Option, type Redacted, Result } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { BoundConnector } from "../connector/BoundConnector.ts"
import type { VerifyContext } from "../connector/Connector.ts"
import * as Signature from "./Signature.ts"
import { InvalidSignature, MissingSignature, NotConfigured, VerificationUnavailable, WebhookError } from "./WebhookError.ts"
import type { RawWebhookRequest, WebhookEvent } from "./WebhookEvent.ts"

/** Builds the verification context: the clock, and a GET for certificates through the app's HttpClient. */
export const verifyContext = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const now = yield* Clock.currentTimeMillis
  const context: VerifyContext = {
    now,
    fetchText: (url) =>
      client.execute(HttpClientRequest.get(url)).pipe(
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300
            ? response.text
            : Effect.fail(new Error(`status ${response.status}`))
        ),
        Effect.timeout(10_000),
        Effect.mapError((cause) =>
          new WebhookError({
            connector: "unknown",
            reason: new VerificationUnavailable({ message: `could not fetch ${url}: ${String(cause)}` })
          })
        )
      )
  }
  return context
})

/** Verifies (fail closed) then parses a delivery into unified events. */
export const verifyAndParse = (
  bound: BoundConnector,
  request: RawWebhookRequest
): Effect.Effect<ReadonlyArray<WebhookEvent>, WebhookError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const support = bound.connector.webhooks
    if (support === undefined) {
      return yield* new WebhookError({
        connector: bound.id,
        reason: new NotConfigured({ message: `${bound.connector.displayName} webhooks are not supported by this connector` })
      })
    }
    if (Option.isNone(bound.webhookSecrets)) {
      return yield* new WebhookError({
        connector: bound.id,
        reason: new NotConfigured({ message: `no webhook secrets configured for ${bound.id}; refusing to accept unverified events` })
      })
    }
    const context = yield* verifyContext
    yield* support.verify(request, bound.webhookSecrets.value, context).pipe(
      Effect.mapError((e) => (e.connector === bound.id ? e : new WebhookError({ connector: bound.id, reason: e.reason })))
    )
    const parsed = support.parse(request)
    if (Result.isFailure(parsed)) return yield* parsed.failure
    return parsed.success
  }).pipe(Effect.withSpan("refract.webhook", { attributes: { "refract.connector": bound.id } }, { captureStackTrace: false }))

/**
 * Verifies a header that holds the hex HMAC-SHA256 of the raw body, with no timestamp (Checkout.com
 * `Cko-Signature`, Razorpay `X-Razorpay-Signature`, GoCardless `Webhook-Signature`). Constant time; fails
 * closed: a missing or blank header is MissingSignature ("no <header> header"), any other value that is not
 * the body's MAC is InvalidSignature with `mismatch` as its message.
 */
export const verifyBodyHmacSha256Hex = (
  scheme: { readonly connector: string; readonly header: string; readonly mismatch: string },
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  secret: Redacted.Redacted<string>
): Effect.Effect<void, WebhookError> =>
  Effect.suspend(() => {
    const header = request.headers[scheme.header.toLowerCase()]
    if (header === undefined || header.trim() === "") {
      return Effect.fail(new WebhookError({ connector: scheme.connector, reason: new MissingSignature({ message: `no ${scheme.header} header` }) }))
    }
    if (!Signature.equalsHex(Signature.hmacSha256(secret, request.body), header)) {
      return Effect.fail(new WebhookError({ connector: scheme.connector, reason: new InvalidSignature({ message: scheme.mismatch }) }))
    }
    return Effect.void
  })
