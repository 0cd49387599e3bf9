/**
 * Bearer-token access for Refract's own API (not for webhooks, which processors sign).
 *
 * - `Authorization: Bearer <token>` must match one of the configured tokens (several, for
 *   rotation). Tokens are compared as SHA-256 digests in constant time, so neither the comparison
 *   nor its length leaks how much of a guess was right.
 * - A refusal is `401` with `WWW-Authenticate: Bearer` and no detail: the same answer for no
 *   header, a malformed one and a wrong token.
 * - A credential in the URL (`?token=`, `?access_token=`, `?api_key=` ...) is refused with `400`
 *   even when it is right: URLs end up in proxy and access logs.
 * - Repeated failures are throttled per client address: after `maxFailures` within `windowMillis`,
 *   every request from that address gets `429` with `Retry-After` until the window ends.
 * - CORS is off: no `Access-Control-*` header, so browsers refuse cross-origin reads. Listing
 *   origins in `corsOrigins` lets exactly those read the answers (the token is still required).
 */
import { Clock, Effect, Redacted } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { sha256 } from "../crypto/Sha256.ts"
import { equalBytes } from "../webhook/Signature.ts"

export interface Options {
  /** The accepted tokens (at least one; each at least 32 characters). */
  readonly tokens: ReadonlyArray<Redacted.Redacted<string>>
  /** Failures per client address before throttling. Default 10. */
  readonly maxFailures?: number | undefined
  /** The throttling window. Default 60 s. */
  readonly windowMillis?: number | undefined
  /** Origins (`https://support.example.com`, exactly) allowed to call the API from a browser. Default none. */
  readonly corsOrigins?: ReadonlyArray<string> | undefined
}

/** The CORS headers for a request's `Origin` when it is one of `origins` (none otherwise). */
export const corsHeaders = (origins: ReadonlyArray<string> | undefined, origin: string | undefined): Record<string, string> =>
  origin !== undefined && origins !== undefined && origins.includes(origin)
    ? { "access-control-allow-origin": origin, vary: "Origin" }
    : {}

/** The answer to a CORS preflight (`OPTIONS`): 204, with the allowed method and header only for a listed origin. */
export const preflight = (origins: ReadonlyArray<string> | undefined) =>
  Effect.map(Effect.service(HttpServerRequest.HttpServerRequest), (request) => {
    const allowed = corsHeaders(origins, request.headers["origin"])
    return HttpServerResponse.empty({
      status: 204,
      headers: Object.keys(allowed).length === 0
        ? {}
        : { ...allowed, "access-control-allow-methods": "GET, POST", "access-control-allow-headers": "authorization", "access-control-max-age": "600" }
    })
  })

/** Query parameters that carry credentials somewhere; refused on sight. */
const credentialParams = /(^|[?&])(token|access_token|api_key|apikey|key|auth|authorization|bearer|password|secret)=/i

export const minTokenLength = 32

/** Why the options cannot protect anything, or undefined. */
export const problem = (options: Options): string | undefined => {
  if (options.tokens.length === 0) return "no API token configured"
  if (options.tokens.some((t) => Redacted.value(t).length < minTokenLength)) return `API tokens must be at least ${minTokenLength} characters`
  return undefined
}

const unauthorized = () =>
  HttpServerResponse.jsonUnsafe({ error: "Unauthorized" }, { status: 401, headers: { "www-authenticate": "Bearer", "cache-control": "no-store" } })

/**
 * A guard: `guard(handler)` answers the handler only for an authorized request. Throws on options
 * that protect nothing (no token, a short one): a server must refuse to start rather than run open.
 */
export const make = (options: Options) => {
  const invalid = problem(options)
  if (invalid !== undefined) throw new Error(invalid)
  const digests = options.tokens.map((t) => sha256(Redacted.value(t)))
  const maxFailures = options.maxFailures ?? 10
  const windowMillis = options.windowMillis ?? 60_000
  const failures = new Map<string, { count: number; since: number }>()

  const clientOf = (request: HttpServerRequest.HttpServerRequest) => request.remoteAddress._tag === "Some" ? request.remoteAddress.value : "unknown"

  const authorized = (header: string | undefined): boolean => {
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? "")
    if (match === null) return false
    const candidate = sha256(match[1]!)
    // Every digest is compared, so the time does not tell which token (if any) matched.
    let ok = false
    for (const digest of digests) ok = equalBytes(digest, candidate) || ok
    return ok
  }

  return <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const cors = corsHeaders(options.corsOrigins, request.headers["origin"])
      const answer = yield* guarded(request, handler)
      return Object.keys(cors).length === 0 ? answer : HttpServerResponse.setHeaders(answer, cors)
    })

  function guarded<E, R>(request: HttpServerRequest.HttpServerRequest, handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) {
    return Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const client = clientOf(request)
      const record = failures.get(client)
      if (record !== undefined && now - record.since >= windowMillis) failures.delete(client)
      const current = failures.get(client)
      if (current !== undefined && current.count >= maxFailures) {
        const retryAfter = Math.max(1, Math.ceil((current.since + windowMillis - now) / 1000))
        return HttpServerResponse.jsonUnsafe({ error: "TooManyRequests" }, { status: 429, headers: { "retry-after": String(retryAfter), "cache-control": "no-store" } })
      }
      const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : ""
      if (credentialParams.test(query)) {
        return HttpServerResponse.jsonUnsafe(
          { error: "CredentialInUrl", message: "send the token in the Authorization header, never in the URL" },
          { status: 400, headers: { "cache-control": "no-store" } }
        )
      }
      if (!authorized(request.headers["authorization"])) {
        if (failures.size >= 10_000 && !failures.has(client)) failures.delete(failures.keys().next().value!)
        const seen = failures.get(client)
        failures.set(client, seen === undefined ? { count: 1, since: now } : { count: seen.count + 1, since: seen.since })
        return unauthorized()
      }
      return yield* handler
    })
  }
}
