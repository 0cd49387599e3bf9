/**
 * The randomized campaign: refunds across every connector, through Refract's real receiver
 * (`NodeWebhookServer`: webhook route, tracker, PostgreSQL store), against emulators that fault
 * requests (replays included), deliver webhooks late, out of order, twice and again, and move
 * refunds by time. The receiver process is restarted mid-way (its in-flight creates cut off). At
 * the end the processors' ground truth (the emulators' records) is checked against Refract's:
 *
 * - no double refunds: at most one refund per idempotency key (one per merchant refund id);
 * - no orphans: every refund at a processor is one the application created and the store has;
 * - no regressions: no stored status ever moved back (settled to in flight, success to failure,
 *   out of a reversal);
 * - every final state equals the processor's truth.
 *
 * Everything random comes from the seed, so a failing seed replays. One manual clock drives the
 * emulators and Refract (see VirtualClock): time jumps from timer to timer, once the real work in
 * flight (HTTP, store writes) has drained.
 */
import { Clock, Context, Effect, Exit, Fiber, Layer, Option, Redacted, References, Scope } from "effect"
import type { LogLevel } from "effect"
import { HttpClient } from "effect/http"
import { PgClient } from "@effect/sql-pg"
import { SqlClient } from "effect/sql"
import { ConnectorRegistry, DirectExchange, Idempotency, RefundStore, RefundTracker } from "@refract/core"
import type { RefundError, RefundStatus } from "@refract/core"
import { NodeHttp, NodeWebhookServer } from "@refract/node"
import { PgRefundStore } from "@refract/store-pg"
import { EmulatorClock } from "@refract/testkit"
import type { EmulatedRefund, EmulatorHandle, Fault, Outcome } from "@refract/testkit"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { type Processor, processors, truthOf } from "./Processors.ts"
import * as VirtualClock from "./VirtualClock.ts"

export interface Config {
  readonly seed: number
  readonly refundsPerProcessor: number
  /** Processor ids; default all six. */
  readonly processors?: ReadonlyArray<string> | undefined
  /** Fraction of processor requests that get a fault. */
  readonly faultRate: number
  /** Receiver restarts during the campaign. */
  readonly restarts: number
  readonly databaseUrl: string
  /** Creates arrive over this span of campaign time. Default 20 minutes. */
  readonly arrivalWindowMillis?: number | undefined
  /** Delay before a reversal (succeeded_then_*). Default 2 hours. */
  readonly reversalAfterMillis?: number | undefined
  /** Stop converging after this much campaign time. Default 2 days. */
  readonly horizonMillis?: number | undefined
  readonly log?: ((line: string) => void) | undefined
  /** Refract's own log level inside the campaign. Default "Error". */
  readonly logLevel?: LogLevel.LogLevel | undefined
}

export interface Plan {
  readonly processor: string
  readonly merchantRefundId: string
  readonly idempotencyKey: string
  readonly paymentId: string
  readonly amount: number
  readonly currency: string
  readonly outcome: Outcome
  /** Campaign time (ms after the start) the application asks for the refund. */
  readonly arrival: number
  result: { readonly _tag: "Created"; readonly connectorRefundId: string } | { readonly _tag: "Refused"; readonly reason: string } | { readonly _tag: "Expired" } | undefined
  attempts: number
  outcomeUnknowns: number
}

export interface Report {
  readonly seed: number
  readonly processors: ReadonlyArray<string>
  readonly refunds: number
  readonly atProcessors: number
  readonly faults: number
  readonly webhookAttempts: number
  readonly duplicateDeliveries: number
  readonly redeliveries: number
  readonly restarts: number
  readonly outcomeUnknowns: number
  readonly appRetries: number
  /** Refunds the processor refused (each with its reason): an application sees these as final. */
  readonly refused: ReadonlyArray<string>
  readonly expired: number
  readonly unresolved: ReadonlyArray<string>
  readonly doubles: ReadonlyArray<string>
  readonly orphans: ReadonlyArray<string>
  readonly phantoms: ReadonlyArray<string>
  readonly regressions: ReadonlyArray<string>
  readonly wrongFinalStates: ReadonlyArray<string>
  readonly finalStates: Readonly<Record<string, number>>
  readonly campaignMillis: number
  readonly realMillis: number
  /** Time steps taken, those where work was still held by the clock, and real time spent waiting and checking. */
  readonly steps: number
  readonly stuckSteps: number
  readonly settleMillis: number
  readonly checkMillis: number
}

/** A small seeded PRNG (mulberry32): the same seed gives the same campaign. */
export const random = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)]!
  }
}

/** Every fault the emulators can inject, as the processor's edge or its socket would produce it. */
export const faultKinds: ReadonlyArray<Fault> = [
  { _tag: "RateLimit", retryAfterSeconds: 1 },
  { _tag: "ServerError", status: 500 },
  { _tag: "ServerError", status: 503 },
  { _tag: "DropBeforeRecord" },
  { _tag: "DropAfterRecord" },
  { _tag: "Slow", delayMillis: 2_000 },
  // Longer than Refract's 15 s attempt timeout: the answer is lost, the refund may exist.
  { _tag: "Slow", delayMillis: 20_000 },
  { _tag: "MalformedBody" },
  { _tag: "StallMidBody" },
  { _tag: "StallMidBody", resumeAfterMillis: 5_000 },
  { _tag: "ResetAfterHeaders" }
]

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const realDelay = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** Counts work in flight on Refract's side, so time only jumps once it has drained. */
class InFlight {
  count = 0
  track<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.suspend(() => {
      this.count++
      return effect.pipe(Effect.ensuring(Effect.sync(() => this.count--)))
    })
  }
}

const countingHttp = (inFlight: InFlight) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) => {
      const counted = HttpClient.transform(client, (effect) => inFlight.track(effect))
      // Refract's default client on Node, with its direct exchange counted too (a wrapper drops it otherwise).
      const exchange = DirectExchange.of(client)
      return exchange === undefined ? counted : DirectExchange.withExchange(counted, (request, timeoutMillis) => inFlight.track(exchange(request, timeoutMillis)))
    })
  ).pipe(Layer.provide(NodeHttp.layer()))

const countingStore = (inFlight: InFlight, store: RefundStore.Store): RefundStore.Store => ({
  ...store,
  apply: (o) => inFlight.track(store.apply(o)),
  get: (k) => inFlight.track(store.get(k)),
  getByMerchantRefundId: (m, c) => inFlight.track(store.getByMerchantRefundId(m, c)),
  history: (k) => inFlight.track(store.history(k)),
  listUnsettled: (c, o) => inFlight.track(store.listUnsettled(c, o)),
  beginCreate: (i) => inFlight.track(store.beginCreate(i)),
  endCreate: (c, m, e, at) => inFlight.track(store.endCreate(c, m, e, at)),
  getCreate: (c, m) => inFlight.track(store.getCreate(c, m)),
  pendingCreates: (c) => inFlight.track(store.pendingCreates(c)),
  hasEvent: (c, e) => inFlight.track(store.hasEvent(c, e))
})

interface Process {
  readonly context: Context.Context<RefundTracker.RefundTracker | RefundStore.RefundStore>
  readonly fibers: Array<Fiber.Fiber<unknown, unknown>>
  readonly close: () => Promise<void>
}

/** A regression: a stored status moved back. */
const isRegression = (from: RefundStatus.RefundStatus, to: RefundStatus.RefundStatus): boolean => {
  const settled = (s: RefundStatus.RefundStatus) => s !== "Pending" && s !== "RequiresAction"
  const success = (s: RefundStatus.RefundStatus) => s === "Succeeded" || s === "Reversed"
  return (settled(from) && !settled(to)) || (success(from) && !success(to)) || (from === "Reversed" && to !== "Reversed")
}

export const run = async (config: Config): Promise<Report> => {
  const started = Date.now()
  const log = config.log ?? (() => {})
  const rng = random(config.seed)
  const selected = processors.filter((p) => config.processors === undefined || config.processors.includes(p.id))
  /** The metadata a planned refund carries (see `Processor.refundMetadata`). */
  const metadataOf = (plan: { readonly processor: string; readonly paymentId: string }) =>
    selected.find((p) => p.id === plan.processor)?.refundMetadata?.(plan.paymentId)
  const arrivalWindow = config.arrivalWindowMillis ?? 20 * 60_000
  const reversalAfter = config.reversalAfterMillis ?? 2 * 3_600_000
  const horizon = config.horizonMillis ?? 2 * 24 * 3_600_000
  // Starts now: emulator certificates (PayPal's signing certificate) are valid from their real creation time.
  const clock = EmulatorClock.manual({ startTime: Date.now() })
  const t0 = clock.now()
  const vclock = VirtualClock.fromEmulatorClock(clock)
  const port = await freePort()
  const receiver = `http://127.0.0.1:${port}`
  const schema = `refract_campaign_${config.seed}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`
  const inFlight = new InFlight()

  const emulators = new Map<string, EmulatorHandle>()
  for (const p of selected) {
    emulators.set(p.id, await p.start({
      clock,
      webhookUrl: `${receiver}/webhooks/${p.id}`,
      webhooks: { mode: "adversarial", seed: `${config.seed}-${p.id}`, maxDelayMillis: 30_000, delayStepMillis: 1_000 },
      settleAfterMillis: 2_000,
      reversalAfterMillis: reversalAfter
    }))
  }

  const plans: Array<Plan> = []
  for (const p of selected) {
    const emulator = emulators.get(p.id)!
    for (let i = 0; i < config.refundsPerProcessor; i++) {
      const paid = rng.int(1_000, 50_000)
      const paymentId = await emulator.createPayment({ amount: paid, currency: p.currency })
      const outcome = rng.pick(p.outcomes)
      emulator.scriptOutcome(paymentId, outcome)
      const merchantRefundId = `cmp-${config.seed}-${p.id}-${i}`
      plans.push({
        processor: p.id,
        merchantRefundId,
        idempotencyKey: Idempotency.derive(merchantRefundId, p.connector.idempotencyKey),
        paymentId,
        amount: rng.int(100, paid),
        currency: p.currency.toUpperCase(),
        outcome,
        arrival: rng.int(0, arrivalWindow),
        result: undefined,
        attempts: 0,
        outcomeUnknowns: 0
      })
    }
    emulator.injectRandomFaults({ rate: config.faultRate, kinds: faultKinds, seed: `${config.seed}-${p.id}-faults` })
  }

  const registry = Layer.mergeAll(
    Layer.empty,
    ...selected.map((p) =>
      ConnectorRegistry.register(p.connector, {
        ...p.options(emulators.get(p.id)!, `${receiver}/webhooks/${p.id}`),
        baseUrl: emulators.get(p.id)!.url,
        // Two attempts, not four: more creates end OutcomeUnknown and must be resolved by the application.
        retry: { maxAttempts: 2 }
      })
    )
  ).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer))
  const store = Layer.effect(RefundStore.RefundStore, Effect.map(RefundStore.RefundStore, (s) => countingStore(inFlight, s))).pipe(
    Layer.provide(PgRefundStore.layerUrl(config.databaseUrl, { schema }))
  )
  const app = NodeWebhookServer.layer({
    port,
    host: "127.0.0.1",
    store,
    shutdownTimeoutMillis: 0,
    tracker: { initialDelay: "2 seconds", maxDelay: "5 minutes", reversalWindow: "1 day", reversalPollEvery: "20 minutes" }
  }).pipe(Layer.provide(registry), Layer.provide(countingHttp(inFlight)))

  // Refract logs every fault it rides over; the campaign reports figures instead.
  const quiet = Effect.provideService(References.MinimumLogLevel, config.logLevel ?? "Error")
  const appAttempts = 12
  /** The application: asks for a refund, retries what may succeed later, records what it learns. */
  const resolve = (plan: Plan) =>
    Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const wait = t0 + plan.arrival - (yield* Clock.currentTimeMillis)
      if (wait > 0) yield* Effect.sleep(wait)
      while (plan.result === undefined && plan.attempts < appAttempts) {
        plan.attempts++
        const outcome = yield* Effect.result(tracker.create(plan.processor, {
          merchantRefundId: plan.merchantRefundId,
          connectorTransactionId: plan.paymentId,
          amount: { amount: plan.amount, currency: plan.currency },
          ...(metadataOf(plan) !== undefined ? { metadata: metadataOf(plan) } : {})
        }))
        if (outcome._tag === "Success") {
          plan.result = { _tag: "Created", connectorRefundId: outcome.success.connectorRefundId }
          return
        }
        const error = outcome.failure
        if (plan.attempts <= 2) log(`${plan.merchantRefundId} attempt ${plan.attempts}: ${error.message}`)
        if (error._tag === "RefundError") {
          const reason = (error as RefundError).reason
          if (reason._tag === "OutcomeUnknown") plan.outcomeUnknowns++
          if (reason._tag === "IdempotencyExpired") {
            plan.result = { _tag: "Expired" }
            return
          }
          // A store failure surfaces as UnexpectedResponse("refund store: ..."): worth another try.
          const transient = error.isRetryable || (reason._tag === "UnexpectedResponse" && reason.message.startsWith("refund store"))
          if (!transient) {
            plan.result = { _tag: "Refused", reason: `${reason._tag}: ${reason.message}` }
            return
          }
        }
        yield* Effect.sleep(Math.min(5_000 * 2 ** (plan.attempts - 1), 300_000))
      }
    })

  const startProcess = async (): Promise<Process> => {
    const scope = Scope.makeUnsafe()
    const context = await Effect.runPromise(
      Layer.buildWithScope(app, scope).pipe(Effect.provideService(Clock.Clock, vclock), quiet)
    ) as Context.Context<RefundTracker.RefundTracker | RefundStore.RefundStore>
    const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
    for (const plan of plans) {
      if (plan.result !== undefined) continue
      fibers.push(Effect.runFork(resolve(plan).pipe(Effect.provideContext(context), Effect.provideService(Clock.Clock, vclock), quiet)))
    }
    return {
      context,
      fibers,
      close: async () => {
        await Effect.runPromise(Effect.forEach(fibers, Fiber.interrupt, { discard: true }))
        await Effect.runPromise(Scope.close(scope, Exit.void))
      }
    }
  }

  /**
   * Lets the real work in flight drain. Work held back by the clock (a `Slow` answer, a stalled body)
   * never drains by itself: once the count stops changing, time has to move on.
   */
  const settle = async () => {
    let zeros = 0
    let unchanged = 0
    let last = -1
    for (let i = 0; i < 500; i++) {
      await realDelay(1)
      const count = inFlight.count
      if (count === 0) {
        if (++zeros >= 2) return true
        continue
      }
      zeros = 0
      unchanged = count === last ? unchanged + 1 : 0
      last = count
      if (unchanged >= 20) return false
    }
    return false
  }

  const restartTimes = Array.from({ length: config.restarts }, () => t0 + rng.int(arrivalWindow / 4, arrivalWindow * 2)).toSorted((a, b) => a - b)
  const lastReversal = t0 + arrivalWindow + reversalAfter
  let current: Process | undefined = await startProcess()
  let restarts = 0
  let downUntil: number | undefined
  let checks = 0
  let steps = 0
  let stuck = 0
  let settleMillis = 0
  let checkMillis = 0

  const storeOf = (p: Process) => Context.get(p.context, RefundStore.RefundStore)
  const run = <A, E>(effect: Effect.Effect<A, E, never>) => Effect.runPromise(effect.pipe(Effect.provideService(Clock.Clock, vclock)))

  const planByKey = new Map<string, Plan>()
  for (const plan of plans) planByKey.set(`${plan.processor}\u0000${plan.idempotencyKey}`, plan)
  /** The key a processor holds for a refund (see `Processor.keyOf`). */
  const keyAt = (processor: Processor, r: EmulatedRefund) => (processor.keyOf !== undefined ? processor.keyOf(r) : r.idempotencyKey)
  const planOf = (processor: string, key: string | undefined) => (key === undefined ? undefined : planByKey.get(`${processor}\u0000${key}`))

  /** Processor refunds whose stored state differs from the truth (and those not stored at all). */
  const mismatches = async (p: Process): Promise<number> => {
    const store = storeOf(p)
    let wrong = 0
    for (const processor of selected) {
      for (const r of emulators.get(processor.id)!.refunds()) {
        const plan = planOf(processor.id, keyAt(processor, r))
        if (plan === undefined) continue
        const stored = await run(store.getByMerchantRefundId(plan.merchantRefundId, processor.id).pipe(Effect.orElseSucceed(() => Option.none())))
        if (Option.isNone(stored) || stored.value.status !== truthOf(processor, r.history)) wrong++
      }
    }
    return wrong
  }

  try {
    while (true) {
      const settleStarted = Date.now()
      const drained = await settle()
      settleMillis += Date.now() - settleStarted
      steps++
      if (!drained) stuck++
      const now = clock.now()
      if (current !== undefined && restartTimes.length > 0 && now >= restartTimes[0]!) {
        restartTimes.shift()
        restarts++
        log(`restart ${restarts} at +${Math.round((now - t0) / 1000)} s (${inFlight.count} in flight)`)
        await current.close()
        current = undefined
        downUntil = now + rng.int(10_000, 600_000)
        continue
      }
      if (current === undefined && downUntil !== undefined && now >= downUntil) {
        current = await startProcess()
        downUntil = undefined
        continue
      }
      const resolved = plans.every((p) => p.result !== undefined || p.attempts >= appAttempts)
      if (current !== undefined && resolved && restartTimes.length === 0 && now >= lastReversal && drained) {
        // Converged when every webhook was acknowledged (or given up on) and the store agrees with the truth.
        const pendingEvents = selected.some((p) => emulators.get(p.id)!.webhookEvents().some((e) => !e.acknowledged && !e.gaveUp))
        if (!pendingEvents && checks++ % 5 === 0) {
          const checkStarted = Date.now()
          const wrong = await mismatches(current)
          checkMillis += Date.now() - checkStarted
          if (wrong === 0) break
        }
      }
      if (now - t0 >= horizon) {
        log(`horizon reached at +${Math.round((now - t0) / 3_600_000)} h`)
        break
      }
      const next = clock.info().nextTimerAt
      let target = next === undefined ? now + 600_000 : Math.min(next, now + 600_000)
      if (!drained) target = Math.min(target, now + 1_000)
      if (current !== undefined && restartTimes.length > 0) target = Math.min(target, Math.max(restartTimes[0]!, now + 1))
      if (downUntil !== undefined) target = Math.min(target, Math.max(downUntil, now + 1))
      await clock.advance(Math.max(1, target - now))
    }
    if (current === undefined) current = await startProcess()
    await settle()
    return await report(current)
  } finally {
    await current?.close().catch(() => undefined)
    for (const e of emulators.values()) await e.close().catch(() => undefined)
    clock.close()
    await Effect.runPromise(
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(config.databaseUrl) })), Effect.ignore)
    )
  }

  async function report(p: Process): Promise<Report> {
    const store = storeOf(p)
    const doubles: Array<string> = []
    const orphans: Array<string> = []
    const phantoms: Array<string> = []
    const regressions: Array<string> = []
    const wrongFinalStates: Array<string> = []
    const finalStates: Record<string, number> = {}
    let faults = 0
    let webhookAttempts = 0
    let duplicateDeliveries = 0
    let redeliveries = 0
    let atProcessors = 0
    for (const processor of selected) {
      const emulator = emulators.get(processor.id)!
      const truth = emulator.truth()
      faults += truth.faultCampaigns.reduce((n, c) => n + c.faulted, 0)
      const deliveries = emulator.webhookDeliveries()
      webhookAttempts += deliveries.length
      duplicateDeliveries += deliveries.filter((d) => d.kind === "duplicate").length
      redeliveries += deliveries.filter((d) => d.kind === "redelivery" || d.kind === "retry").length
      atProcessors += truth.refunds.length
      const byKey = new Map<string, number>()
      for (const r of truth.refunds) {
        const key = keyAt(processor, r) ?? `(no key) ${r.id}`
        byKey.set(key, (byKey.get(key) ?? 0) + 1)
        const plan = planOf(processor.id, keyAt(processor, r))
        const where = `${processor.id} ${r.id}${plan !== undefined ? ` (${plan.merchantRefundId}, ${plan.outcome})` : ""}`
        if (plan === undefined || plan.result?._tag !== "Created") {
          orphans.push(`${where}: at the processor, the application has ${plan === undefined ? "no such refund" : JSON.stringify(plan.result ?? "no answer")}`)
          continue
        }
        const stored = await run(store.getByMerchantRefundId(plan.merchantRefundId, processor.id).pipe(Effect.orElseSucceed(() => Option.none())))
        if (Option.isNone(stored)) {
          orphans.push(`${where}: at the processor, not in the store`)
          continue
        }
        const refund = stored.value
        const expected = truthOf(processor, r.history)
        finalStates[refund.status] = (finalStates[refund.status] ?? 0) + 1
        if (refund.status !== expected) {
          wrongFinalStates.push(`${where}: Refract ${refund.status} (raw ${refund.rawStatus}), processor ${expected} (${r.history.map((h) => h.status).join(" > ")})`)
        }
        const history = await run(store.history({ connector: processor.id, connectorRefundId: refund.connectorRefundId }).pipe(Effect.orElseSucceed(() => [])))
        for (const entry of history) {
          if (entry.transition === "Applied" && entry.statusBefore !== undefined && entry.statusAfter !== undefined && isRegression(entry.statusBefore, entry.statusAfter)) {
            regressions.push(`${where}: ${entry.statusBefore} -> ${entry.statusAfter} by ${entry.source} ${entry.rawStatus}`)
          }
        }
      }
      for (const [key, n] of byKey) if (n > 1) doubles.push(`${processor.id} ${key}: ${n} refunds`)
      const keysAtProcessor = new Set(truth.refunds.map((r) => keyAt(processor, r)))
      for (const plan of plans.filter((x) => x.processor === processor.id && x.result?._tag === "Created")) {
        if (!keysAtProcessor.has(plan.idempotencyKey)) phantoms.push(`${processor.id} ${plan.merchantRefundId}: created for the application, unknown to the processor`)
      }
    }
    return {
      seed: config.seed,
      processors: selected.map((x) => x.id),
      refunds: plans.length,
      atProcessors,
      faults,
      webhookAttempts,
      duplicateDeliveries,
      redeliveries,
      restarts,
      outcomeUnknowns: plans.reduce((n, x) => n + x.outcomeUnknowns, 0),
      appRetries: plans.reduce((n, x) => n + Math.max(0, x.attempts - 1), 0),
      refused: plans.flatMap((x) => (x.result?._tag === "Refused" ? [`${x.processor} ${x.merchantRefundId}: ${x.result.reason}`] : [])),
      expired: plans.filter((x) => x.result?._tag === "Expired").length,
      unresolved: plans.filter((x) => x.result === undefined).map((x) => `${x.processor} ${x.merchantRefundId} after ${x.attempts} attempts`),
      doubles,
      orphans,
      phantoms,
      regressions,
      wrongFinalStates,
      finalStates,
      campaignMillis: clock.now() - t0,
      realMillis: Date.now() - started,
      steps,
      stuckSteps: stuck,
      settleMillis,
      checkMillis
    }
  }
}

/** One line per figure, for logs and the closing note. */
export const describe = (r: Report): string =>
  [
    `seed ${r.seed}, processors ${r.processors.join(",")}`,
    `refunds ${r.refunds} (at the processors ${r.atProcessors}), faults ${r.faults}, restarts ${r.restarts}`,
    `webhook attempts ${r.webhookAttempts} (duplicates ${r.duplicateDeliveries}, retries and redeliveries ${r.redeliveries})`,
    `application: OutcomeUnknown ${r.outcomeUnknowns}, retries ${r.appRetries}, refused ${r.refused.length}, expired ${r.expired}, unresolved ${r.unresolved.length}`,
    `doubles ${r.doubles.length}, orphans ${r.orphans.length}, phantoms ${r.phantoms.length}, regressions ${r.regressions.length}, wrong final states ${r.wrongFinalStates.length}`,
    `final states ${JSON.stringify(r.finalStates)}`,
    `campaign time ${Math.round(r.campaignMillis / 60_000)} min, real time ${(r.realMillis / 1000).toFixed(1)} s ` +
    `(${r.steps} steps, ${r.stuckSteps} with work held by the clock; waiting ${(r.settleMillis / 1000).toFixed(1)} s, checking ${(r.checkMillis / 1000).toFixed(1)} s)`
  ].join("\n")
