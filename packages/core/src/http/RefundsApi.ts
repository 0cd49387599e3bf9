/**
 * The read API support tools use, as `effect/http` routes (platform-agnostic: `@refract/node`
 * mounts them in `refract serve`):
 *
 * - `GET  /refunds`: search. `q` finds an id exactly (merchant refund id, processor refund id or
 *   payment id); `connector`, `status` (comma-separated), `stuck=true` (still pending past
 *   `stuckAfter`), `created_from`/`created_to`/`updated_from`/`updated_to` (ISO 8601 or epoch ms),
 *   `limit` (1–500) and `cursor` (the previous page's `next`). Most recently updated first.
 * - `GET  /refunds/:connector/:id`: the refund with its whole observation history (source, the
 *   processor's raw status and time, the transition applied or refused, the trace reference).
 * - `POST /refunds/:connector/:id/sync`: reads the refund at the processor now, through the pipeline,
 *   and applies the answer like a poll.
 * - `GET  /refunds/events`: status changes as server-sent events, from the moment of the request.
 *
 * Every route needs `Authorization: Bearer <token>` (see {@link ApiAuth}). Answers never carry
 * credentials: refunds and history entries hold none.
 */
import { Clock, Effect, Layer, Option, Result, Schema, Stream } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Executor from "../pipeline/Executor.ts"
import { decodeReference } from "../service/RefundClient.ts"
import type { Refund } from "../refund/Refund.ts"
import { RefundStatus, isSettled } from "../refund/RefundStatus.ts"
import { ConnectorRegistry } from "../service/ConnectorRegistry.ts"
import { HistoryEntry, RefundStore, searchProblem } from "../store/RefundStore.ts"
import type { SearchQuery, TimeRange } from "../store/RefundStore.ts"
import * as ApiAuth from "./ApiAuth.ts"

export interface Options extends ApiAuth.Options {
  /** A refund still pending this long after its creation is "stuck" (`stuck=true`, and `stuck` in answers). Default 24 hours. */
  readonly stuckAfterMillis?: number | undefined
  /** Where the routes live. Default "/refunds". */
  readonly prefix?: `/${string}` | undefined
  /** A comment line sent on an idle event stream this often, so proxies keep it open. Default 15 s. */
  readonly keepAliveMillis?: number | undefined
}

const noStore = { "cache-control": "no-store" }
const problem = (status: number, error: string, message?: string) =>
  HttpServerResponse.jsonUnsafe(message === undefined ? { error } : { error, message }, { status, headers: noStore })
const ok = (body: unknown) => HttpServerResponse.jsonUnsafe(body, { headers: noStore })

const encodeEntry = Schema.encodeSync(HistoryEntry)
const statuses = new Set<string>(RefundStatus.literals)

/** `2026-12-03`, `2026-12-03T10:00:00Z` or epoch milliseconds. */
const timeParam = (name: string, value: string | undefined): Result.Result<number | undefined, string> => {
  if (value === undefined || value === "") return Result.succeed(undefined)
  const millis = /^\d{1,15}$/.test(value)
    ? Number(value)
    : /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
    ? Date.parse(value)
    : Number.NaN
  return Number.isSafeInteger(millis) ? Result.succeed(millis) : Result.fail(`${name} must be an ISO 8601 date or time, or epoch milliseconds`)
}

const rangeOf = (from: number | undefined, to: number | undefined): TimeRange | undefined =>
  from === undefined && to === undefined ? undefined : { from, to }

/** The search a request's query string asks for, or why it cannot be run. */
export const parseSearch = (
  params: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  now: number,
  stuckAfterMillis: number
): Result.Result<SearchQuery, string> => {
  const one = (name: string): string | undefined => {
    const value = params[name]
    return typeof value === "string" ? value : value?.[0]
  }
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value) && value.length > 1) return Result.fail(`${name} is given more than once`)
  }
  const known = new Set(["q", "connector", "status", "stuck", "created_from", "created_to", "updated_from", "updated_to", "limit", "cursor"])
  const unknown = Object.keys(params).find((name) => !known.has(name))
  if (unknown !== undefined) return Result.fail(`unknown parameter ${JSON.stringify(unknown.slice(0, 40))}`)
  const times: Record<string, number | undefined> = {}
  for (const name of ["created_from", "created_to", "updated_from", "updated_to"]) {
    const parsed = timeParam(name, one(name))
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    times[name] = parsed.success
  }
  let wanted: Array<RefundStatus> | undefined
  const status = one("status")
  if (status !== undefined && status !== "") {
    wanted = []
    for (const s of status.split(",")) {
      if (!statuses.has(s)) return Result.fail(`status must be among ${RefundStatus.literals.join(", ")}`)
      wanted.push(s as RefundStatus)
    }
  }
  const stuck = one("stuck")
  if (stuck !== undefined && stuck !== "true" && stuck !== "false") return Result.fail("stuck must be true or false")
  let createdTo = times["created_to"]
  if (stuck === "true") {
    const pending = (wanted ?? ["Pending", "RequiresAction"]).filter((s) => !isSettled(s))
    wanted = pending.length > 0 ? pending : ["Pending"]
    const deadline = now - stuckAfterMillis
    createdTo = createdTo === undefined ? deadline : Math.min(createdTo, deadline)
    if (pending.length === 0) return Result.succeed({ id: "\u0000none", limit: 1 })
  }
  const limitText = one("limit")
  const limit = limitText === undefined ? undefined : /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN
  const q = one("q")?.trim()
  const connector = one("connector")
  const cursor = one("cursor")
  const query: SearchQuery = {
    ...(q !== undefined && q !== "" ? { id: q } : {}),
    ...(connector !== undefined && connector !== "" ? { connector } : {}),
    ...(wanted !== undefined ? { statuses: wanted } : {}),
    ...(rangeOf(times["created_from"], createdTo) !== undefined ? { created: rangeOf(times["created_from"], createdTo) } : {}),
    ...(rangeOf(times["updated_from"], times["updated_to"]) !== undefined ? { updated: rangeOf(times["updated_from"], times["updated_to"]) } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(cursor !== undefined && cursor !== "" ? { cursor } : {})
  }
  const invalid = searchProblem(query)
  return invalid === undefined ? Result.succeed(query) : Result.fail(invalid)
}

/** A refund as the API shows it: its JSON, and whether it is stuck. */
const view = (refund: Refund, now: number, stuckAfterMillis: number) => ({
  ...refund.toJSON(),
  stuck: !isSettled(refund.status) && now - refund.createdAt >= stuckAfterMillis
})

/** The routes (behind {@link ApiAuth}), as a layer for an `HttpRouter` app. */
export const layer = (options: Options) => {
  const prefix = options.prefix ?? "/refunds"
  const stuckAfter = options.stuckAfterMillis ?? 86_400_000
  const keepAlive = options.keepAliveMillis ?? 15_000
  const guard = ApiAuth.make(options)

  const search = guard(Effect.gen(function*() {
    const store = yield* RefundStore
    const request = yield* HttpServerRequest.HttpServerRequest
    const now = yield* Clock.currentTimeMillis
    const url = new URL(request.url, "http://localhost")
    const params: Record<string, Array<string>> = {}
    for (const [k, v] of url.searchParams) (params[k] ??= []).push(v)
    const query = parseSearch(params, now, stuckAfter)
    if (Result.isFailure(query)) return problem(400, "InvalidQuery", query.failure)
    const page = yield* store.search(query.success).pipe(Effect.result)
    if (Result.isFailure(page)) {
      return page.failure.operation === "search" && page.failure.message.startsWith("refund search:")
        ? problem(400, "InvalidQuery", page.failure.message.replace(/^refund search: /, ""))
        : problem(503, "StoreUnavailable")
    }
    return ok({ refunds: page.success.refunds.map((r) => view(r, now, stuckAfter)), ...(page.success.next !== undefined ? { next: page.success.next } : {}) })
  }))

  const keyOf = Effect.map(HttpRouter.params, (p) => ({ connector: p["connector"] ?? "", connectorRefundId: p["id"] ?? "" }))

  const one = guard(Effect.gen(function*() {
    const store = yield* RefundStore
    const key = yield* keyOf
    const now = yield* Clock.currentTimeMillis
    const found = yield* Effect.all([store.get(key), store.history(key)]).pipe(Effect.result)
    if (Result.isFailure(found)) return problem(503, "StoreUnavailable")
    const [refund, history] = found.success
    if (Option.isNone(refund)) return problem(404, "NotFound")
    return ok({ refund: view(refund.value, now, stuckAfter), history: history.map((e) => encodeEntry(e)) })
  }))

  const sync = guard(Effect.gen(function*() {
    const store = yield* RefundStore
    const registry = yield* ConnectorRegistry
    const key = yield* keyOf
    const bound = yield* registry.get(key.connector).pipe(Effect.option)
    if (Option.isNone(bound)) return problem(404, "UnknownConnector")
    const b = bound.value
    if (b.connector.get === undefined || !b.connector.capabilities.get) {
      return problem(409, "Unsupported", `${b.connector.displayName} has no refund-status endpoint: its refunds move by webhook`)
    }
    const reference = decodeReference(key.connector, key.connectorRefundId)
    if (Result.isFailure(reference)) return problem(400, "InvalidId", reference.failure.reason.message)
    const read = yield* Executor.readRefund(b, reference.success).pipe(Effect.result)
    if (Result.isFailure(read)) {
      const reason = read.failure.reason
      return problem(reason._tag === "NotFound" ? 404 : 502, reason._tag, reason.message)
    }
    const applied = yield* store.apply({ connector: b.id, snapshot: read.success, source: "poll", receivedAt: yield* Clock.currentTimeMillis }).pipe(Effect.result)
    if (Result.isFailure(applied) || applied.success._tag !== "Observed" || applied.success.current === undefined) return problem(503, "StoreUnavailable")
    return ok({
      refund: view(applied.success.current, yield* Clock.currentTimeMillis, stuckAfter),
      transition: applied.success.transition._tag
    })
  }))

  const encoder = new TextEncoder()
  const events = guard(Effect.gen(function*() {
    const store = yield* RefundStore
    const now = yield* Clock.currentTimeMillis
    const changes = store.changes.pipe(
      Stream.map((change) =>
        `event: change\ndata: ${
          JSON.stringify({
            refund: view(change.current, now, stuckAfter),
            previousStatus: change.previous?.status ?? change.entry.statusBefore ?? null,
            source: change.entry.source,
            entry: encodeEntry(change.entry)
          })
        }\n\n`
      )
    )
    const pings = Stream.tick(`${keepAlive} millis`).pipe(Stream.map(() => ": keep-alive\n\n"))
    const body = Stream.merge(Stream.make(": connected\n\n"), Stream.merge(changes, pings)).pipe(Stream.map((text) => encoder.encode(text)))
    return HttpServerResponse.stream(body, {
      contentType: "text/event-stream",
      headers: { ...noStore, "x-accel-buffering": "no" }
    })
  }))

  const preflight = ApiAuth.preflight(options.corsOrigins)
  return Layer.mergeAll(
    HttpRouter.add("GET", prefix, search),
    HttpRouter.add("GET", `${prefix}/events`, events),
    HttpRouter.add("GET", `${prefix}/:connector/:id`, one),
    HttpRouter.add("POST", `${prefix}/:connector/:id/sync`, sync),
    ...([prefix, `${prefix}/events`, `${prefix}/:connector/:id`, `${prefix}/:connector/:id/sync`] as const).map((path) => HttpRouter.add("OPTIONS", path, preflight))
  )
}
