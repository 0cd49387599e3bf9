/**
 * The processor-request pipeline, as global middleware:
 *
 *   log → take fault → edge faults → auth → idempotency → route → Slow / store key → transport faults → answer
 *
 * A fault is taken for every processor request, replays included (a processor's network does not care
 * whether the answer is a replay). Edge faults refuse the request before the processor sees it; the others
 * act on whatever answer the processor produced.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { EmulatorKit } from "./Definition.ts"
import { snapshot } from "./Definition.ts"
import type { Fault, IdempotencyNote } from "./Emulator.ts"
import { dropConnection, responseBytes, tagRequest, toEmulatorRequest } from "./Http.ts"
import { resetAfterHeaders, sleepOn, stallMidBody } from "./Transport.ts"

/** The path prefix of the control API. Never faulted, logged or authenticated. */
export const controlPrefix = "/__emulator"

export const isControlPath = (path: string): boolean => path === controlPrefix || path.startsWith(`${controlPrefix}/`)

const defaultMalformed = (real: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse => {
  const bytes = responseBytes(real) ?? new TextEncoder().encode("{\"")
  const cut = bytes.length < 2 ? new TextEncoder().encode("{\"") : bytes.slice(0, Math.floor(bytes.length / 2))
  return HttpServerResponse.uint8Array(cut, {
    status: 200,
    contentType: "application/json",
    headers: real.headers
  })
}

/** What the processor answered, and (for a first use of a key) how to settle the key afterwards. */
interface Produced {
  readonly response: HttpServerResponse.HttpServerResponse
  readonly settleKey?: () => void
}

export const middleware = <A>(kit: EmulatorKit<A>) =>
(app: Effect.Effect<HttpServerResponse.HttpServerResponse, any, never>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const definition = kit.definition
    const path = request.url.split("?")[0]!
    if (isControlPath(path)) return yield* app
    const body = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
    const entry = kit.log.record({ method: request.method, url: request.url, headers: request.headers, body, time: kit.clock.now() })
    tagRequest(request, entry.seq)
    const emuRequest = toEmulatorRequest(request, body)
    const decorate = (response: HttpServerResponse.HttpServerResponse) =>
      definition.decorate === undefined ? response : definition.decorate(response, emuRequest)
    const finish = (response: HttpServerResponse.HttpServerResponse) => {
      entry.status = response.status
      return response
    }
    const note = (key: string, result: IdempotencyNote["result"], previousFirstUsedAt?: number) => {
      entry.idempotency = { key, result, ...(previousFirstUsedAt === undefined ? {} : { previousFirstUsedAt }) }
    }

    const fault: Fault | undefined = kit.faults.take(emuRequest.method, path)
    if (fault !== undefined) entry.fault = fault._tag
    switch (fault?._tag) {
      case "DropBeforeRecord":
        return yield* dropConnection
      case "RateLimit":
        return finish(decorate(HttpServerResponse.setHeader(
          definition.faults.rateLimit(fault.retryAfterSeconds, emuRequest),
          "retry-after",
          String(fault.retryAfterSeconds)
        )))
      case "ServerError":
        return finish(decorate(definition.faults.serverError(fault.status ?? 500, emuRequest)))
    }

    /** The processor's answer: an auth error, an idempotency answer, or the route's (with a key to settle). */
    const produce: Effect.Effect<Produced, any> = Effect.gen(function*() {
      const denied = definition.authenticate?.(emuRequest)
      if (denied !== undefined) return { response: decorate(denied) }
      const policy = definition.idempotency
      const key = policy !== undefined && policy.appliesTo(emuRequest) ? emuRequest.headers[policy.header] : undefined
      if (policy === undefined || key === undefined) return { response: decorate(yield* app) }
      const begin = kit.idempotency.begin(key, policy.fingerprint(emuRequest))
      switch (begin._tag) {
        case "InFlight":
          note(key, "in_flight")
          return { response: decorate(policy.inFlight(key, emuRequest)) }
        case "Mismatch":
          note(key, "mismatch")
          return {
            response: decorate(
              policy.mismatch !== undefined ? policy.mismatch(key, emuRequest) : policy.replay(begin.response, key, emuRequest)
            )
          }
        case "Replay":
          note(key, "replay")
          return { response: decorate(policy.replay(begin.response, key, emuRequest)) }
      }
      note(key, begin.expired === undefined ? "first" : "expired", begin.expired?.firstUsedAt)
      // From here on the key is in flight; it is settled exactly once: stored when the handler finished (even if
      // the client went away during a Slow answer), forgotten when the handler itself did not finish.
      let settled = false
      let handled: HttpServerResponse.HttpServerResponse | undefined
      const settleKey = () => {
        if (settled) return
        settled = true
        const stored = handled === undefined ? undefined : snapshot(handled)
        kit.idempotency.complete(key, stored !== undefined && policy.stores(stored) ? stored : undefined)
      }
      handled = yield* app.pipe(Effect.map(decorate), Effect.onError(() => Effect.sync(settleKey)))
      return { response: handled, settleKey }
    })

    let produced: Produced | undefined
    return yield* Effect.gen(function*() {
      produced = yield* produce
      const response = produced.response
      // The answer is held back with the key still in flight: a concurrent retry sees the processor busy.
      if (fault?._tag === "Slow") yield* sleepOn(kit.clock, fault.delayMillis)
      produced.settleKey?.()
      switch (fault?._tag) {
        case "DropAfterRecord":
          return yield* dropConnection
        case "MalformedBody":
          return finish((definition.faults.malformed ?? defaultMalformed)(response))
        case "StallMidBody": {
          const resume = fault.resumeAfterMillis === undefined ? undefined : sleepOn(kit.clock, fault.resumeAfterMillis)
          entry.status = response.status
          return yield* stallMidBody(response, { sentBytes: fault.sentBytes, resume })
        }
        case "ResetAfterHeaders":
          entry.status = response.status
          return yield* resetAfterHeaders(response)
      }
      return finish(response)
    }).pipe(Effect.ensuring(Effect.sync(() => produced?.settleKey?.())))
  })
