/**
 * The support console (`/console`): a small page for support teams over the refunds read API
 * (core's `RefundsApi`), as `HttpRouter` routes. `NodeWebhookServer.layer` mounts it with the API,
 * so `refract serve` serves it whenever `REFRACT_API_TOKEN` is set.
 *
 * - The page itself (HTML, CSS, one vanilla JS module in `src/console/`) loads without a token; the
 *   API calls it makes carry the token the agent enters (kept in the tab's sessionStorage).
 * - The assets are answered from memory (`src/console/assets.ts`, generated from the files), from a
 *   fixed list of three names: no path ever reaches the file system, so `/console/../package.json`,
 *   encoded dots or slashes and backslashes all answer 404.
 * - Every answer carries a strict Content-Security-Policy (this origin only, no inline script or
 *   style, no framing), `X-Content-Type-Options: nosniff`, no referrer, and `Cache-Control: no-cache`
 *   with an ETag (a 304 for a matching `If-None-Match`), so an upgrade is picked up at once.
 */
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { assets } from "./console/assets.ts"

export const path = "/console"

export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ")

const securityHeaders = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin"
}

/** The only names served, looked up exactly (a Map: no prototype keys such as `constructor`). */
const table = new Map(Object.entries(assets))

/** The asset files the console is made of. */
export const names: ReadonlyArray<string> = [...table.keys()]

const notFound = HttpServerResponse.text("Not Found", { status: 404, headers: { ...securityHeaders, "cache-control": "no-store" } })

const serve = (name: string) =>
  Effect.gen(function*() {
    const asset = table.get(name)
    if (asset === undefined) return notFound
    const request = yield* HttpServerRequest.HttpServerRequest
    const headers = { ...securityHeaders, "cache-control": "no-cache", etag: asset.etag }
    if (request.headers["if-none-match"] === asset.etag) return HttpServerResponse.empty({ status: 304, headers })
    return HttpServerResponse.text(asset.body, { contentType: asset.contentType, headers })
  })

/** `GET /console` (and `/console/`: the router ignores a trailing slash) and its two assets; anything else under `/console/` is a 404. */
export const layer = Layer.mergeAll(
  HttpRouter.add("GET", path, serve("index.html")),
  HttpRouter.add("GET", `${path}/:asset`, Effect.flatMap(HttpRouter.params, (p) => serve(p["asset"] ?? "")))
)
