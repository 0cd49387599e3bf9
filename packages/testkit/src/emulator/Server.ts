/**
 * The emulator framework: turns an {@link EmulatorDefinition} (a processor's routes, lifecycle, error bodies,
 * idempotency policy and webhook format) into a running HTTP server on 127.0.0.1 with the shared machinery
 * (state store, settling, fault injection, request log, idempotency, webhook delivery, control API) wired in.
 *
 * - {@link make}: `Effect<Emulator, ServeError, Scope>`; the server lives as long as the scope.
 * - {@link start}: `Promise<Emulator>`; stop it with `emulator.close()`.
 * - {@link layer}: a `Layer` providing {@link EmulatorService} (and an optional processor-specific key).
 *
 * @since 0.1.0
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Cause, Context, Effect, Exit, Layer, Scope } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { createServer } from "node:http"
import * as ControlApi from "./ControlApi.ts"
import type {
  CreatePaymentInput,
  Emulator,
  Fault,
  FaultMatch,
  Outcome,
  SignedWebhook,
  SignedWebhookOptions
} from "./Emulator.ts"
import { EmulatorService, isOutcome } from "./Emulator.ts"
import { FaultInjector } from "./Faults.ts"
import type { EmulatorRequest } from "./Http.ts"
import { dropConnection, responseBytes, responseHeaders, sleepReal, toEmulatorRequest } from "./Http.ts"
import type { StoredResponse } from "./Idempotency.ts"
import { IdempotencyStore } from "./Idempotency.ts"
import type { Lifecycle, PaymentRecord, RefundRecord, SettleRules, Transition } from "./RefundStore.ts"
import { RefundStore, UnknownRefundError } from "./RefundStore.ts"
import { defaultSecretHeaders, RequestLog } from "./RequestLog.ts"
import type { WebhookMessage } from "./Webhooks.ts"
import { WebhookDispatcher } from "./Webhooks.ts"

/** The path prefix of the control API. Never faulted, logged or authenticated. */
export const controlPrefix = "/__emulator"

/** How a processor answers injected faults. The framework adds `Retry-After` to rate-limit answers itself. */
export interface FaultResponses {
  readonly rateLimit: (retryAfterSeconds: number, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  readonly serverError: (status: number, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  /** The 200 answer for `MalformedBody`. Default: the real body cut in half (unparsable JSON). */
  readonly malformed?: (real: HttpServerResponse.HttpServerResponse) => HttpServerResponse.HttpServerResponse
}

/** How a processor treats `Idempotency-Key`-style headers. */
export interface IdempotencyPolicy {
  /** Lower-case request header carrying the key. */
  readonly header: string
  /** Which requests take part (typically POSTs). */
  readonly appliesTo: (request: EmulatorRequest) => boolean
  /** What must match for a replay (e.g. method, path and canonical parameters). */
  readonly fingerprint: (request: EmulatorRequest) => string
  /** Whether a first response is stored for replay (otherwise the key is forgotten and a retry runs as new). */
  readonly stores: (response: StoredResponse) => boolean
  /** The replay of a stored response. */
  readonly replay: (stored: StoredResponse, key: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  /** Same key, different fingerprint. `undefined` = replay anyway. */
  readonly mismatch?: (key: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  /** Same key while the first request is still being handled. */
  readonly inFlight: (key: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
}

/** Options of {@link WebhookFormat.render}. */
export interface RenderOptions extends SignedWebhookOptions {
  /** The secret to sign with (already defaulted to the emulator's). */
  readonly secret: string
  /** The status before this change, when rendering a transition. */
  readonly previousStatus?: string | undefined
}

/** How a processor turns refund changes into signed webhook deliveries. */
export interface WebhookFormat<A> {
  /** Event types (Stripe `refund.updated`, Adyen eventCodes) to deliver for a transition; creation has `from: undefined`. */
  readonly eventsFor: (transition: Transition<A>) => ReadonlyArray<string>
  /** Event type used by `signedWebhook` when none is given. */
  readonly defaultEventType: (refund: RefundRecord<A>) => string
  /** Headers and exact body bytes, signed as the processor signs. Honors `tamper`, `secret`, `timestampSeconds`. */
  readonly render: (refund: RefundRecord<A>, eventType: string, options: RenderOptions, kit: EmulatorKit<A>) => SignedWebhook
  /** Whether the receiver acknowledged. Default: any 2xx. */
  readonly isAccepted?: (status: number, body: string) => boolean
}

/** Everything a processor plugs into the framework. Build one per emulator instance (it may close over options). */
export interface EmulatorDefinition<A> {
  /** `"stripe"`, `"adyen"`, ... */
  readonly name: string
  /** Appended to the origin to form `Emulator.url` (Adyen `"/v71"`). Default `""`. */
  readonly basePath?: string
  readonly credentials: Readonly<Record<string, string>>
  readonly webhookSecret: string
  readonly webhookUrl?: string | undefined
  readonly webhookTimeoutMillis?: number | undefined
  readonly lifecycle: Lifecycle
  readonly settle: SettleRules
  /** Ids for a new payment (the first is what `createPayment` returns). */
  readonly newPayment: (input: CreatePaymentInput) => {
    readonly id: string
    readonly aliases?: ReadonlyArray<string>
    readonly currency: string
  }
  /** Extra request headers to redact in the request log. */
  readonly secretHeaders?: ReadonlyArray<string>
  /** Returns an error response when the request is not authenticated. Runs after pre-handler faults. */
  readonly authenticate?: (request: EmulatorRequest) => HttpServerResponse.HttpServerResponse | undefined
  readonly idempotency?: IdempotencyPolicy
  readonly faults: FaultResponses
  /** Applied once to every processor response (e.g. a `Request-Id` header). */
  readonly decorate?: (response: HttpServerResponse.HttpServerResponse, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  /** The processor's routes. Handlers should never fail; add a catch-all route for the processor's 404. */
  readonly routes: (kit: EmulatorKit<A>) => Layer.Layer<never, never, HttpRouter.HttpRouter>
  readonly webhooks: WebhookFormat<A>
}

/** What route handlers get: the shared state. */
export interface EmulatorKit<A> {
  readonly name: string
  readonly store: RefundStore<A>
  readonly faults: FaultInjector
  readonly log: RequestLog
  readonly idempotency: IdempotencyStore
  readonly webhooks: WebhookDispatcher
  readonly definition: EmulatorDefinition<A>
}

/** Where to listen. */
export interface ServerOptions {
  /** 0 (default) = ephemeral. */
  readonly port?: number | undefined
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
}

/** A running emulator plus framework internals (for processor modules and tests). */
export interface RunningEmulator<A> extends Emulator {
  readonly kit: EmulatorKit<A>
}

const isControlPath = (path: string): boolean => path === controlPrefix || path.startsWith(`${controlPrefix}/`)

const defaultMalformed = (real: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse => {
  const bytes = responseBytes(real) ?? new TextEncoder().encode("{\"")
  const cut = bytes.length < 2 ? new TextEncoder().encode("{\"") : bytes.slice(0, Math.floor(bytes.length / 2))
  return HttpServerResponse.uint8Array(cut, {
    status: 200,
    contentType: "application/json",
    headers: real.headers
  })
}

const snapshot = (response: HttpServerResponse.HttpServerResponse): StoredResponse | undefined => {
  const body = responseBytes(response)
  if (body === undefined) return undefined
  const headers = responseHeaders(response)
  const contentType = response.body._tag === "Uint8Array" ? response.body.contentType : undefined
  if (contentType !== undefined) headers["content-type"] = contentType
  return { status: response.status, headers, body }
}

/** Rebuilds a response from a stored one (used by idempotency replays). */
export const fromStored = (stored: StoredResponse): HttpServerResponse.HttpServerResponse => {
  const { "content-type": contentType, "content-length": _length, ...headers } = stored.headers
  return HttpServerResponse.uint8Array(stored.body, {
    status: stored.status,
    headers,
    ...(contentType === undefined ? {} : { contentType })
  })
}

/** The processor-request pipeline: log → faults → auth → idempotency → routes → faults → decorate. */
const pipeline = <A>(kit: EmulatorKit<A>) =>
(app: Effect.Effect<HttpServerResponse.HttpServerResponse, any, never>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const definition = kit.definition
    const path = request.url.split("?")[0]!
    if (isControlPath(path)) return yield* app
    const body = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
    const emuRequest = toEmulatorRequest(request, body)
    const entry = kit.log.record({ method: request.method, url: request.url, headers: request.headers, body })
    const decorate = (response: HttpServerResponse.HttpServerResponse) =>
      definition.decorate === undefined ? response : definition.decorate(response, emuRequest)
    const finish = (response: HttpServerResponse.HttpServerResponse) => {
      entry.status = response.status
      return response
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
    const denied = definition.authenticate?.(emuRequest)
    if (denied !== undefined) return finish(decorate(denied))

    const policy = definition.idempotency
    const key = policy !== undefined && policy.appliesTo(emuRequest) ? emuRequest.headers[policy.header] : undefined
    if (policy !== undefined && key !== undefined) {
      const begin = kit.idempotency.begin(key, policy.fingerprint(emuRequest))
      switch (begin._tag) {
        case "InFlight":
          return finish(decorate(policy.inFlight(key, emuRequest)))
        case "Mismatch":
          return finish(decorate(
            policy.mismatch !== undefined
              ? policy.mismatch(key, emuRequest)
              : policy.replay(begin.response, key, emuRequest)
          ))
        case "Replay":
          return finish(decorate(policy.replay(begin.response, key, emuRequest)))
      }
    }
    // From here on the key (if any) is in flight; it is settled exactly once: stored when the handler finished
    // (even if the client went away during a Slow answer), forgotten when the handler itself did not finish.
    let handled: HttpServerResponse.HttpServerResponse | undefined
    let settled = false
    const settleKey = () => {
      if (settled || policy === undefined || key === undefined) return
      settled = true
      const stored = handled === undefined ? undefined : snapshot(handled)
      kit.idempotency.complete(key, stored !== undefined && policy.stores(stored) ? stored : undefined)
    }
    return yield* Effect.gen(function*() {
      handled = decorate(yield* app)
      if (fault?._tag === "Slow") yield* sleepReal(fault.delayMillis)
      settleKey()
      if (fault?._tag === "DropAfterRecord") return yield* dropConnection
      if (fault?._tag === "MalformedBody") return finish((definition.faults.malformed ?? defaultMalformed)(handled))
      return finish(handled)
    }).pipe(Effect.ensuring(Effect.sync(settleKey)))
  })

/** Builds the kit (state) for a definition. */
export const makeKit = <A>(definition: EmulatorDefinition<A>): EmulatorKit<A> => ({
  name: definition.name,
  store: new RefundStore<A>(definition.lifecycle, definition.settle),
  faults: new FaultInjector(),
  log: new RequestLog([...defaultSecretHeaders, ...(definition.secretHeaders ?? [])]),
  idempotency: new IdempotencyStore(),
  webhooks: new WebhookDispatcher(definition.webhookUrl, {
    ...(definition.webhooks.isAccepted === undefined ? {} : { isAccepted: definition.webhooks.isAccepted }),
    ...(definition.webhookTimeoutMillis === undefined ? {} : { timeoutMillis: definition.webhookTimeoutMillis })
  }),
  definition
})

const messagesFor = <A>(kit: EmulatorKit<A>, transition: Transition<A>): ReadonlyArray<WebhookMessage> => {
  const format = kit.definition.webhooks
  return format.eventsFor(transition).map((eventType) => {
    const signed = format.render(transition.refund, eventType, {
      secret: kit.definition.webhookSecret,
      previousStatus: transition.from
    }, kit)
    return { eventType, refundId: transition.refund.id, headers: signed.headers, body: signed.body }
  })
}

/**
 * Starts an emulator for `definition` inside the current scope and returns its handle.
 * Closing the scope (or calling `close()`) stops the server, pending timers and webhook deliveries.
 */
export const make = <A>(
  definition: EmulatorDefinition<A>,
  options: ServerOptions = {}
): Effect.Effect<RunningEmulator<A>, ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const outer = yield* Effect.scope
    const scope = yield* Scope.fork(outer, "sequential")
    const kit = makeKit(definition)
    const initialWebhookUrl = definition.webhookUrl
    // Deliveries triggered by a transition; `advance` awaits the batch it caused.
    let lastBatch: Promise<void> = Promise.resolve()
    kit.store.onTransition((transition) => {
      lastBatch = kit.webhooks.enqueue(messagesFor(kit, transition))
    })
    const holder: { emulator: RunningEmulator<A> | undefined } = { emulator: undefined }
    const nodeServer = createServer()
    const app = Layer.mergeAll(
      definition.routes(kit),
      ControlApi.routes(() => holder.emulator),
      HttpRouter.middleware(pipeline(kit), { global: true })
    )
    const serverLayer = HttpRouter.serve(app, { disableLogger: true, disableListenLog: true }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => nodeServer, {
        port: options.port ?? 0,
        host: options.host ?? "127.0.0.1",
        gracefulShutdownTimeout: 0
      }))
    )
    yield* Layer.buildWithScope(serverLayer, scope).pipe(Effect.onError(() => Scope.close(scope, Exit.void)))
    yield* Scope.addFinalizer(
      scope,
      Effect.sync(() => {
        kit.store.close()
        kit.webhooks.close()
        nodeServer.closeAllConnections()
      })
    )
    const address = nodeServer.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const hostname = typeof address === "object" && address !== null ? address.address : "127.0.0.1"
    const origin = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`
    let closing: Promise<void> | undefined

    const requireRefund = (refundId: string): RefundRecord<A> => {
      const refund = kit.store.get(refundId)
      if (refund === undefined) throw new UnknownRefundError(refundId)
      return refund
    }

    const emulator: RunningEmulator<A> = {
      kit,
      name: definition.name,
      url: `${origin}${definition.basePath ?? ""}`,
      origin,
      port,
      credentials: definition.credentials,
      webhookSecret: definition.webhookSecret,
      createPayment: (input: CreatePaymentInput) =>
        new Promise<string>((resolve) => {
          const ids = definition.newPayment(input)
          const payment: PaymentRecord = kit.store.addPayment({
            id: ids.id,
            aliases: ids.aliases ?? [],
            amount: input.amount,
            currency: ids.currency,
            reference: input.reference
          })
          resolve(payment.id)
        }),
      scriptOutcome: (paymentId: string, outcome: Outcome, scriptOptions?: { readonly reason?: string }) => {
        if (!isOutcome(outcome)) throw new RangeError(`Unknown outcome: ${String(outcome)}`)
        kit.store.scriptOutcome(paymentId, outcome, scriptOptions?.reason)
      },
      injectFault: (fault: Fault, match?: FaultMatch) => kit.faults.inject(fault, match),
      clearFaults: () => kit.faults.clear(),
      refunds: () => kit.store.snapshots(),
      requests: () => kit.log.list(),
      webhookDeliveries: () => kit.webhooks.deliveries(),
      advance: (refundId: string) =>
        new Promise<void>((resolve) => {
          requireRefund(refundId)
          const transition = kit.store.advance(refundId, "advance")
          resolve(transition === undefined ? undefined : lastBatch)
        }),
      setWebhookUrl: (url: string | undefined) => {
        if (url !== undefined && !URL.canParse(url)) throw new TypeError(`Invalid webhook URL: ${url}`)
        kit.webhooks.url = url
      },
      flushWebhooks: () => kit.webhooks.flush(),
      signedWebhook: (refundId: string, signOptions: SignedWebhookOptions = {}) => {
        const refund = requireRefund(refundId)
        const format = definition.webhooks
        return format.render(refund, signOptions.eventType ?? format.defaultEventType(refund), {
          ...signOptions,
          secret: signOptions.secret ?? definition.webhookSecret
        }, kit)
      },
      reset: () => {
        kit.store.reset()
        kit.faults.clear()
        kit.log.clear()
        kit.idempotency.clear()
        kit.webhooks.clear()
        kit.webhooks.url = initialWebhookUrl
      },
      close: () => {
        closing ??= Effect.runPromise(Scope.close(scope, Exit.void))
        return closing
      }
    }
    holder.emulator = emulator
    return emulator
  })

/** Starts an emulator outside Effect. Stop it with `close()`. */
export const start = async <A>(definition: EmulatorDefinition<A>, options: ServerOptions = {}): Promise<RunningEmulator<A>> => {
  const scope = Scope.makeUnsafe("sequential")
  const exit = await Effect.runPromiseExit(make(definition, options).pipe(Scope.provide(scope)))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    const squashed = Cause.squash(exit.cause)
    const reason = squashed instanceof Error
      ? (squashed.cause instanceof Error ? squashed.cause.message : squashed.message)
      : String(squashed)
    throw new Error(`Could not start the ${definition.name} emulator: ${reason}`, { cause: squashed })
  }
  const emulator = exit.value
  const closeInner = emulator.close
  let closing: Promise<void> | undefined
  return {
    ...emulator,
    close: () => {
      closing ??= closeInner().then(() => Effect.runPromise(Scope.close(scope, Exit.void)))
      return closing
    }
  }
}

/**
 * A layer providing the running emulator as {@link EmulatorService} (plus `extra`, a processor-specific key
 * with the same shape, so several emulators can live in one test).
 */
export const layer = <A, I>(
  definition: () => EmulatorDefinition<A>,
  options: ServerOptions,
  extra: Context.Key<I, Emulator>
): Layer.Layer<EmulatorService | I, ServeError> =>
  Layer.effectContext(
    Effect.map(Effect.suspend(() => make(definition(), options)), (emulator) =>
      Context.make(EmulatorService, emulator as Emulator).pipe(Context.add(extra, emulator as Emulator)))
  )
