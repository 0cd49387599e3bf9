/**
 * The control HTTP API, served by every emulator under `/__emulator/…` on the same port, so another process
 * (the CLI, a test in another language) can drive a standalone emulator. JSON in, JSON out; no auth; never
 * faulted or logged. See the README for the route table. {@link ControlClient} is a typed client for it.
 *
 * @since 0.1.0
 */
import { NodeHttpServerRequest } from "@effect/platform-node"
import type { IncomingMessage } from "node:http"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { Emulator, Fault, FaultMatch, RandomFaults } from "./Emulator.ts"
import { isOutcome } from "./Emulator.ts"
import { json } from "./Http.ts"
import { UnknownPaymentError, UnknownRefundError } from "./RefundStore.ts"
import type { SeedRefund } from "./Seed.ts"
import { ndjson, SeedError } from "./Seed.ts"

/** The JSON form of a {@link FaultMatch}: `pathPattern` is a RegExp source. */
export interface FaultMatchJson {
  readonly method?: string
  readonly path?: string
  readonly pathPattern?: string
  readonly times?: number
}

/** Converts the JSON match to a {@link FaultMatch}. */
export const faultMatchFromJson = (input: FaultMatchJson | undefined): FaultMatch => {
  if (input === undefined || input === null) return {}
  if (typeof input !== "object") throw new TypeError("match must be an object")
  return {
    ...(input.method === undefined ? {} : { method: String(input.method) }),
    ...(input.pathPattern !== undefined
      ? { path: new RegExp(String(input.pathPattern)) }
      : input.path === undefined
      ? {}
      : { path: String(input.path) }),
    ...(input.times === undefined ? {} : { times: Number(input.times) })
  }
}

class BadRequest extends Error {}

const str = (value: unknown, name: string): string => {
  if (typeof value !== "string" || value === "") throw new BadRequest(`${name} must be a non-empty string`)
  return value
}

type Handler = (
  emulator: Emulator,
  params: Readonly<Record<string, string | undefined>>,
  body: any,
  query: URLSearchParams
) => Promise<HttpServerResponse.HttpServerResponse> | HttpServerResponse.HttpServerResponse

const handle = (
  getEmulator: () => Emulator | undefined,
  handler: Handler,
  first?: (emulator: Emulator, request: HttpServerRequest.HttpServerRequest) => HttpServerResponse.HttpServerResponse | undefined
) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const params = yield* HttpRouter.params
    const text = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
    const emulator = getEmulator()
    if (emulator === undefined) return json(503, { error: "emulator is starting" })
    const early = first?.(emulator, request)
    if (early !== undefined) return early
    const queryIndex = request.url.indexOf("?")
    const query = new URLSearchParams(queryIndex === -1 ? "" : request.url.slice(queryIndex + 1))
    return yield* Effect.promise(async () => {
      try {
        const body = text.trim() === "" ? {} : JSON.parse(text)
        return await handler(emulator, params, body, query)
      } catch (error) {
        if (error instanceof UnknownRefundError || error instanceof UnknownPaymentError) {
          return json(404, { error: error.message })
        }
        if (error instanceof BadRequest || error instanceof SyntaxError || error instanceof RangeError || error instanceof TypeError) {
          return json(400, { error: error.message })
        }
        return json(500, { error: error instanceof Error ? error.message : String(error) })
      }
    })
  })

/**
 * `POST /__emulator/refunds/seed`: an NDJSON body (one item per line, blank lines skipped), streamed into
 * `seedRefunds`. 201 `{ seeded, payments }`; 400 `{ error, line }` naming the first bad line, nothing seeded.
 */
const seedRoute = (getEmulator: () => Emulator | undefined) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const emulator = getEmulator()
    if (emulator === undefined) return json(503, { error: "emulator is starting" })
    const message = NodeHttpServerRequest.toIncomingMessage(request) as IncomingMessage
    return yield* Effect.promise(async () => {
      const lines: Array<number> = []
      // Stopping early must not destroy the request: the rest of the body is drained, then the 400 answered.
      const source = message.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>
      const drain = () =>
        message.readableEnded ? Promise.resolve() : new Promise<void>((resolve) => {
          message.once("end", resolve).once("error", () => resolve()).once("close", () => resolve())
          message.resume()
        })
      try {
        const result = await emulator.seedRefunds(ndjson(source, lines) as AsyncIterable<SeedRefund>)
        return json(201, result)
      } catch (error) {
        await drain()
        if (error instanceof SeedError) {
          const line = lines[error.index] ?? error.index + 1
          return json(400, { error: `line ${line}: ${error.reason}`, line })
        }
        if (error instanceof SyntaxError) {
          const line = Number(/^line (\d+)/.exec(error.message)?.[1])
          return json(400, { error: error.message, ...(Number.isNaN(line) ? {} : { line }) })
        }
        if (error instanceof TypeError) return json(400, { error: error.message })
        return json(500, { error: error instanceof Error ? error.message : String(error) })
      }
    })
  })

/** The control routes; `getEmulator` resolves the running emulator (undefined while starting). */
export const routes = (getEmulator: () => Emulator | undefined): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const add = (method: "GET" | "POST" | "PUT" | "DELETE", path: string, handler: Handler) =>
        router.add(method, `/__emulator${path}`, handle(getEmulator, handler))

      yield* add("POST", "/payments", async (e, _, body) => {
        const id = await e.createPayment({
          amount: Number(body.amount),
          currency: str(body.currency, "currency"),
          ...(body.reference === undefined ? {} : { reference: String(body.reference) })
        })
        return json(201, { id })
      })
      yield* add("POST", "/payments/:id/outcome", (e, params, body) => {
        if (!isOutcome(body.outcome)) throw new BadRequest(`outcome must be one of the Outcome values`)
        e.scriptOutcome(params.id!, body.outcome, body.reason === undefined ? undefined : { reason: String(body.reason) })
        return json(200, { paymentId: params.id, outcome: body.outcome })
      })
      yield* add("POST", "/faults", (e, _, body) => {
        if (typeof body.fault !== "object" || body.fault === null) throw new BadRequest("fault must be an object")
        e.injectFault(body.fault as Fault, faultMatchFromJson(body.match))
        return json(201, { injected: body.fault })
      })
      yield* add("POST", "/faults/random", (e, _, body) => {
        if (!Array.isArray(body.kinds)) throw new BadRequest("kinds must be an array of faults")
        const campaign: RandomFaults = {
          rate: Number(body.rate),
          kinds: body.kinds as ReadonlyArray<Fault>,
          ...(body.seed === undefined ? {} : { seed: typeof body.seed === "number" ? body.seed : String(body.seed) }),
          ...(body.match === undefined ? {} : { match: faultMatchFromJson(body.match) }),
          ...(body.maxFaults === undefined ? {} : { maxFaults: Number(body.maxFaults) })
        }
        e.injectRandomFaults(campaign)
        const started = e.truth().faultCampaigns.at(-1)
        return json(201, { seed: started?.seed ?? null })
      })
      yield* add("DELETE", "/faults", (e) => {
        e.clearFaults()
        return HttpServerResponse.empty({ status: 204 })
      })
      yield* add("GET", "/refunds", (e) => json(200, { data: e.refunds() }))
      yield* router.add("POST", "/__emulator/refunds/seed", seedRoute(getEmulator))
      yield* add("GET", "/list-lag", (e) => json(200, { millis: e.listLagMillis() }))
      yield* add("PUT", "/list-lag", (e, _, body) => {
        if (typeof body.millis !== "number") throw new BadRequest("millis must be a number")
        e.setListLagMillis(body.millis)
        return json(200, { millis: e.listLagMillis() })
      })
      yield* add("GET", "/refunds/:id", (e, params) => {
        const refund = e.refunds().find((r) => r.id === params.id)
        if (refund === undefined) throw new UnknownRefundError(params.id!)
        return json(200, refund)
      })
      yield* add("POST", "/refunds/:id/advance", async (e, params) => {
        await e.advance(params.id!)
        return json(200, e.refunds().find((r) => r.id === params.id))
      })
      yield* add("GET", "/refunds/:id/webhook", (e, params, _, query) => {
        const timestamp = query.get("timestampSeconds")
        return json(
          200,
          e.signedWebhook(params.id!, {
            ...(query.get("eventType") === null ? {} : { eventType: query.get("eventType")! }),
            ...(query.get("secret") === null ? {} : { secret: query.get("secret")! }),
            ...(query.get("tamper") === "true" ? { tamper: true } : {}),
            ...(timestamp === null ? {} : { timestampSeconds: Number(timestamp) })
          })
        )
      })
      yield* add("GET", "/requests", (e) => json(200, { data: e.requests() }))
      yield* add("GET", "/webhooks", (e) => json(200, { data: e.webhookDeliveries() }))
      yield* add("GET", "/events", (e) => json(200, { data: e.webhookEvents() }))
      yield* add("GET", "/truth", (e) => json(200, e.truth()))
      yield* add("GET", "/clock", (e) => json(200, e.clock.info()))
      yield* add("POST", "/clock/advance", async (e, _, body) => {
        const millis = body.millis
        if (typeof millis !== "number") throw new BadRequest("millis must be a number")
        await e.clock.advance(millis)
        return json(200, e.clock.info())
      })
      yield* add("POST", "/clock/set", async (e, _, body) => {
        const epochMillis = typeof body.iso === "string" ? Date.parse(body.iso) : body.epochMillis
        if (typeof epochMillis !== "number" || Number.isNaN(epochMillis)) {
          throw new BadRequest("epochMillis must be a number (or iso an ISO 8601 time)")
        }
        await e.clock.setTime(epochMillis)
        return json(200, e.clock.info())
      })
      yield* add("POST", "/webhooks/flush", async (e) => {
        await e.flushWebhooks()
        return json(200, { data: e.webhookDeliveries() })
      })
      yield* add("PUT", "/webhook-url", (e, _, body) => {
        const url = body.url === null || body.url === undefined ? undefined : str(body.url, "url")
        e.setWebhookUrl(url)
        return json(200, { url: url ?? null })
      })
      yield* add("POST", "/reset", (e) => {
        e.reset()
        return HttpServerResponse.empty({ status: 204 })
      })
      // `/__emulator/*` also claims `/__emulator` itself, so the info route lives in the catch-all.
      yield* router.add(
        "*",
        "/__emulator/*",
        handle(getEmulator, () => json(404, { error: "Unknown control route" }), (e, request) =>
          request.method === "GET" && request.url.split("?")[0] === "/__emulator"
            ? json(200, {
              name: e.name,
              url: e.url,
              origin: e.origin,
              port: e.port,
              credentials: e.credentials,
              webhookSecret: e.webhookSecret
            })
            : undefined)
      )
    })
  )
