/**
 * The emulator framework: turns an {@link EmulatorDefinition} (a processor's routes, lifecycle, error bodies,
 * idempotency policy, webhook format and numbers) into a running HTTP server on 127.0.0.1 with the shared
 * machinery (clock, state store, settling, fault injection, request log, idempotency, webhook delivery,
 * control API) wired in.
 *
 * - {@link make}: `Effect<Emulator, ServeError, Scope>`; the server lives as long as the scope.
 * - {@link start}: `Promise<Emulator>`; stop it with `emulator.close()`.
 * - {@link layer}: a `Layer` providing {@link EmulatorService} (and an optional processor-specific key).
 *
 * @since 0.1.0
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Cause, Context, Effect, Exit, Layer, Scope } from "effect"
import { HttpRouter } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { createServer } from "node:http"
import type { ClockOption } from "./Clock.ts"
import * as Clock from "./Clock.ts"
import * as ControlApi from "./ControlApi.ts"
import type { EmulatorDefinition, EmulatorKit } from "./Definition.ts"
import type {
  CreatePaymentInput,
  Emulator,
  EmulatorOptions,
  Fault,
  FaultMatch,
  Outcome,
  RandomFaults,
  SignedWebhookOptions,
  Truth,
  WebhookOptions
} from "./Emulator.ts"
import { EmulatorService, isOutcome } from "./Emulator.ts"
import { FaultInjector } from "./Faults.ts"
import { IdempotencyStore } from "./Idempotency.ts"
import * as Pipeline from "./Pipeline.ts"
import type { PaymentRecord, RefundRecord, Transition } from "./RefundStore.ts"
import { RefundStore, UnknownRefundError } from "./RefundStore.ts"
import { defaultSecretHeaders, RequestLog } from "./RequestLog.ts"
import * as Seed from "./Seed.ts"
import { resolvePolicy, WebhookEngine } from "./WebhookEngine.ts"
import type { WebhookMessage } from "./Webhooks.ts"
import { isSuccessStatus } from "./Webhooks.ts"

export type {
  AttemptContext,
  EmulatorDefinition,
  EmulatorKit,
  FaultResponses,
  IdempotencyPolicy,
  ProcessorNumbers,
  RenderOptions,
  WebhookFormat
} from "./Definition.ts"
export { defaultTiming, fromStored, numbers } from "./Definition.ts"
export { controlPrefix } from "./Pipeline.ts"

/** Where to listen, on which clock, and how webhooks go out: the options every processor shares. */
export interface ServerOptions {
  /** 0 (default) = ephemeral. */
  readonly port?: number | undefined
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** Default `"real"`. */
  readonly clock?: ClockOption | undefined
  readonly webhooks?: WebhookOptions | undefined
  /** Real milliseconds. Default 5000. */
  readonly webhookTimeoutMillis?: number | undefined
  /** Listing lag, emulator ms. Default: the definition's, else 0. */
  readonly listLagMillis?: number | undefined
}

/** Picks the {@link ServerOptions} out of an emulator's options. */
export const serverOptions = (options: EmulatorOptions): ServerOptions => ({
  port: options.port,
  host: options.host,
  clock: options.clock,
  webhooks: options.webhooks,
  webhookTimeoutMillis: options.webhookTimeoutMillis,
  listLagMillis: options.listLagMillis
})

/** A running emulator plus framework internals (for processor modules and tests). */
export interface RunningEmulator<A> extends Emulator {
  readonly kit: EmulatorKit<A>
}

/** Builds the kit (state) for a definition, on one clock. */
export const makeKit = <A>(definition: EmulatorDefinition<A>, options: ServerOptions, clock: Clock.EmulatorClock): EmulatorKit<A> => {
  const format = definition.webhooks
  const secret = definition.webhookSecret
  const resign = format.resign
  return {
    name: definition.name,
    clock,
    store: new RefundStore<A>(definition.lifecycle, definition.timing, clock, {
      listLagMillis: options.listLagMillis ?? definition.listLagMillis ?? 0
    }),
    faults: new FaultInjector(),
    log: new RequestLog([...defaultSecretHeaders, ...(definition.secretHeaders ?? [])]),
    idempotency: new IdempotencyStore(clock, definition.idempotencyWindowMillis),
    webhooks: new WebhookEngine({
      clock,
      url: definition.webhookUrl,
      policy: resolvePolicy(options.webhooks, definition.retrySchedule, options.webhookTimeoutMillis),
      format: {
        isAccepted: format.isAccepted ?? ((status) => isSuccessStatus(status)),
        resign: resign === undefined ? undefined : (message, attempt) => resign(message, { ...attempt, secret }),
        eventId: format.eventId,
        batching: format.batching
      }
    }),
    definition
  }
}

const messagesFor = <A>(kit: EmulatorKit<A>, transition: Transition<A>): ReadonlyArray<WebhookMessage> => {
  const format = kit.definition.webhooks
  const now = kit.clock.now()
  return format.eventsFor(transition).map((eventType) => {
    const signed = format.render(transition.refund, eventType, {
      secret: kit.definition.webhookSecret,
      previousStatus: transition.from,
      now
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
    const { clock, owned } = Clock.fromOption(options.clock)
    const kit = makeKit(definition, options, clock)
    const initialWebhookUrl = definition.webhookUrl
    const initialListLag = kit.store.listLagMillis
    kit.store.onTransition((transition) => kit.webhooks.publish(messagesFor(kit, transition)))
    const holder: { emulator: RunningEmulator<A> | undefined } = { emulator: undefined }
    const nodeServer = createServer()
    const app = Layer.mergeAll(
      definition.routes(kit),
      ControlApi.routes(() => holder.emulator),
      HttpRouter.middleware(Pipeline.middleware(kit), { global: true })
    )
    const serverLayer = HttpRouter.serve(app, { disableLogger: true, disableListenLog: true }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => nodeServer, {
        port: options.port ?? 0,
        host: options.host ?? "127.0.0.1",
        gracefulShutdownTimeout: 0
      }))
    )
    const shutdown = Effect.sync(() => {
      kit.store.close()
      kit.webhooks.close()
      if (owned) clock.close()
    })
    yield* Layer.buildWithScope(serverLayer, scope).pipe(
      Effect.onError(() => Effect.andThen(shutdown, Scope.close(scope, Exit.void)))
    )
    yield* Scope.addFinalizer(scope, Effect.andThen(shutdown, Effect.sync(() => nodeServer.closeAllConnections())))
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

    const truth = (): Truth => ({
      name: definition.name,
      now: clock.now(),
      refunds: kit.store.snapshots(),
      webhookEvents: kit.webhooks.events(),
      idempotencyKeys: kit.idempotency.records(),
      webhookSeed: kit.webhooks.policy.seed,
      faultCampaigns: kit.faults.campaignStats()
    })

    const emulator: RunningEmulator<A> = {
      kit,
      name: definition.name,
      url: `${origin}${definition.basePath ?? ""}`,
      origin,
      port,
      credentials: definition.credentials,
      webhookSecret: definition.webhookSecret,
      clock,
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
      injectRandomFaults: (campaign: RandomFaults) => {
        kit.faults.injectRandom(campaign)
      },
      clearFaults: () => kit.faults.clear(),
      refunds: () => kit.store.snapshots(),
      requests: () => kit.log.list(),
      webhookDeliveries: () => kit.webhooks.deliveries(),
      webhookEvents: () => kit.webhooks.events(),
      truth,
      advance: async (refundId: string) => {
        requireRefund(refundId)
        const transition = kit.store.advance(refundId, "advance")
        if (transition !== undefined) await kit.webhooks.flush()
      },
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
          secret: signOptions.secret ?? definition.webhookSecret,
          now: clock.now()
        }, kit)
      },
      seedRefunds: (items) => {
        const policy = definition.seeding
        if (policy === undefined) return Promise.reject(new TypeError(`The ${definition.name} emulator does not support seeding`))
        return Seed.seed(kit.store, policy, items)
      },
      listLagMillis: () => kit.store.listLagMillis,
      setListLagMillis: (millis: number) => {
        kit.store.listLagMillis = millis
      },
      reset: () => {
        kit.store.reset()
        kit.store.listLagMillis = initialListLag
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
