/**
 * `refract demo`: the refund flow end to end, as a timeline, against the embedded emulators
 * (in-process, ephemeral loopback ports; never a real processor). Each step checks what it shows,
 * so the demo doubles as a smoke test: any surprise fails it with exit code 1.
 *
 * Every installed connector with an emulator (`connectors.ts`), in turn:
 * - processors with a status endpoint: initiate (PENDING), read (PENDING), poll until SUCCEEDED;
 * - processors whose outcome arrives only by webhook (Adyen): initiate (PENDING), a status read is
 *   Unsupported, a local receiver verifies the signed notification, folds it (PENDING → SUCCEEDED)
 *   and acknowledges it; a tampered copy is refused.
 */
import { Money, RefundService, RefundStatus } from "@refract/core"
import type { Credentials, Refund } from "@refract/core"
import type { EmulatorHandle } from "@refract/testkit"
import { Console, Effect, Layer, Queue, Result } from "effect"
import { Command, Flag } from "effect/cli"
import { NodeHttp } from "@refract/node"
import type { EmulatorSupport, InstalledConnector } from "../connectors.ts"
import * as Connectors from "../connectors.ts"
import * as Timeline from "../demo/Timeline.ts"
import * as WebhookReceiver from "../demo/WebhookReceiver.ts"
import { describeRefundError, StepFailed, UsageError } from "../errors.ts"
import { statusLine } from "../format.ts"
import { mask, remember } from "../secrets.ts"
import { withConnector } from "../target.ts"

export type DemoConnector = InstalledConnector & { readonly emulator: EmulatorSupport }

const POLL_INTERVAL_MILLIS = 150
const MAX_POLLS = 20
const WEBHOOK_WAIT = "3 seconds"

const check = (ok: boolean, message: () => string): Effect.Effect<void, StepFailed> =>
  ok ? Effect.void : Effect.fail(new StepFailed({ message: message() }))

const money = (amount: number, currency: string): string => Money.make(amount, currency).toString()

/**
 * The webhook secrets a webhook-only connector needs, from the emulator (a credential of the same
 * name, else its signing secret). Connectors the demo polls receive no webhooks here.
 */
const webhookSecretsFor = (entry: DemoConnector, emulator: EmulatorHandle): Record<string, string> | undefined => {
  const spec = entry.connector.webhooks?.secrets as Credentials.CredentialSpec | undefined
  if (spec === undefined || entry.connector.capabilities.get) return undefined
  return Object.fromEntries(Object.keys(spec).map((name) => [name, emulator.credentials[name] ?? emulator.webhookSecret]))
}

/** "HMAC-SHA256 with the hex-decoded HMAC key, base64: per item over …" → "HMAC-SHA256 with the hex-decoded HMAC key". */
const shortScheme = (scheme: string): string => scheme.split(/[,:;(]/)[0]!.trim()

const describeEmulator = (entry: DemoConnector, emulator: EmulatorHandle): string => {
  const spec = entry.connector.credentials as Credentials.CredentialSpec
  const creds = Object.entries(spec)
    .filter(([name]) => emulator.credentials[name] !== undefined)
    .map(([name, f]) => `${name} ${f.secret ? mask(emulator.credentials[name]!) : emulator.credentials[name]}`)
  return `${entry.connector.displayName} emulator on ${emulator.url} · ${creds.join(" · ")}`
}

/** Stripe-style: read the status, then poll until settled, showing every read. */
const byPolling = (entry: DemoConnector, created: Refund.Refund, timeline: Timeline.Timeline) =>
  Effect.gen(function*() {
    const refunds = yield* RefundService.RefundService
    const id = entry.connector.id
    let current = yield* refunds.get(id, created.reference, created)
    yield* timeline.step("get status", `RefundService.get(${current.connectorRefundId}) → ${statusLine(current)}`)
    yield* check(current.simpleStatus === "PENDING", () => `${entry.connector.displayName}: the first status read should be PENDING, got ${statusLine(current)}`)
    let reads = 1
    while (!RefundStatus.isSettled(current.status) && reads <= MAX_POLLS) {
      yield* Effect.sleep(POLL_INTERVAL_MILLIS)
      current = yield* refunds.get(id, current.reference, current)
      yield* timeline.step(`poll #${reads}`, statusLine(current))
      reads++
    }
    yield* check(
      current.simpleStatus === "SUCCEEDED",
      () => `${entry.connector.displayName}: polling should end SUCCEEDED, got ${statusLine(current)} after ${reads} reads`
    )
    return `PENDING → SUCCEEDED by polling (${reads} status reads)`
  })

/** Adyen-style: a status read is Unsupported; the outcome arrives as a signed webhook. */
const byWebhook = (entry: DemoConnector, emulator: EmulatorHandle, created: Refund.Refund, timeline: Timeline.Timeline) =>
  Effect.gen(function*() {
    const refunds = yield* RefundService.RefundService
    const c = entry.connector
    const name = c.displayName
    const read = yield* Effect.result(refunds.get(c.id, created.reference, created))
    if (Result.isSuccess(read)) {
      return yield* new StepFailed({ message: `${name}: a status read should be Unsupported, it answered ${statusLine(read.success)}` })
    }
    const failure = read.failure
    yield* check(failure.reason._tag === "Unsupported", () => `${name}: a status read should be Unsupported, got ${describeRefundError(failure)}`)
    yield* timeline.step("get status", `RefundService.get → Unsupported: ${failure.reason.message}`)
    const scheme = c.webhooks?.scheme
    if (scheme === undefined) return yield* new StepFailed({ message: `${name} has neither a status endpoint nor webhooks` })

    const tracked: WebhookReceiver.Tracked = new Map([[created.connectorRefundId, created]])
    const receiver = yield* WebhookReceiver.start(tracked).pipe(
      Effect.mapError((e) => new StepFailed({ message: `could not start the webhook receiver: ${e.message}` }))
    )
    const url = receiver.urlFor(c.id)
    emulator.setWebhookUrl(url)
    yield* timeline.step("receiver", `listening on ${url}; the ${name} emulator delivers notifications there`)

    yield* timeline.step("processor", `${name} settles the refund (in the emulator: advance) and sends a signed notification`)
    yield* Effect.promise(() => emulator.advance(created.connectorRefundId))
    const next = Queue.take(receiver.deliveries).pipe(
      Effect.timeoutOrElse({
        duration: WEBHOOK_WAIT,
        orElse: () => Effect.fail(new StepFailed({ message: `${name}: no webhook reached the receiver within ${WEBHOOK_WAIT}` }))
      })
    )
    const delivery = yield* next
    if (delivery._tag === "Rejected") {
      const why = typeof delivery.error === "string" ? delivery.error : delivery.error.message
      return yield* new StepFailed({ message: `${name}: the receiver refused the notification (${delivery.status}): ${why}` })
    }
    const folded = delivery.folded.find((f) => f.event.refund?.connectorRefundId === created.connectorRefundId)
    if (folded === undefined || folded.after === undefined) {
      return yield* new StepFailed({
        message: `${name}: the notification carried no refund event for ${created.connectorRefundId} ` +
          `(events: ${delivery.folded.map((f) => f.event.eventType).join(", ") || "none"})`
      })
    }
    const after = folded.after
    yield* timeline.step(
      "webhook",
      `${folded.event.eventType} notification received; signature (${shortScheme(scheme)}) verified and parsed by Webhooks.verifyAndParse`
    )
    yield* timeline.step("observe", `Observe.observe: ${created.simpleStatus} → ${statusLine(after)}`)
    yield* check(after.simpleStatus === "SUCCEEDED", () => `${name}: the webhook should settle the refund as SUCCEEDED, got ${statusLine(after)}`)

    const record = emulator.webhookDeliveries().findLast((d) => d.refundId === created.connectorRefundId)
    yield* check(record?.accepted === true, () => `${name}: the emulator did not record the delivery as acknowledged (status ${record?.status})`)
    yield* timeline.step("ack", `answered ${delivery.status} ${JSON.stringify(delivery.body)}; ${name} marks the delivery delivered`)

    const tampered = emulator.signedWebhook(created.connectorRefundId, { tamper: true })
    const status = yield* WebhookReceiver.post(url, tampered).pipe(
      Effect.mapError((e) => new StepFailed({ message: `${name}: could not post to the receiver: ${e.message}` }))
    )
    const refused = yield* next
    const unchanged = tracked.get(created.connectorRefundId)
    yield* check(
      refused._tag === "Rejected" && status >= 400 && unchanged?.status === after.status,
      () => `${name}: a tampered notification should be refused and change nothing, got HTTP ${status}`
    )
    const reason = refused._tag === "Rejected" && typeof refused.error !== "string" ? refused.error.reason._tag : "refused"
    yield* timeline.step("tampered", `a copy with a changed amount → ${status} ${reason}; the refund stays ${unchanged?.simpleStatus}`)
    return `PENDING → SUCCEEDED via the signed ${folded.event.eventType} webhook`
  })

export const runConnector = (entry: DemoConnector, timeline: Timeline.Timeline) =>
  Effect.gen(function*() {
    const c = entry.connector
    const support = entry.emulator
    const emulator = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => support.start({ ...support.demoOptions, port: 0 }),
        catch: (e) => new StepFailed({ message: `could not start the ${c.displayName} emulator: ${String(e)}` })
      }),
      (e) => Effect.promise(() => e.close())
    )
    for (const [name, field] of Object.entries(c.credentials as Credentials.CredentialSpec)) {
      const v = emulator.credentials[name]
      if (field.secret && v !== undefined) remember(v)
    }
    remember(emulator.webhookSecret)
    const webhookSecrets = webhookSecretsFor(entry, emulator)
    const layer = withConnector(c, {
      credentials: emulator.credentials,
      baseUrl: emulator.url,
      ...(webhookSecrets !== undefined ? { webhookSecrets } : {})
    }).pipe(Layer.provideMerge(NodeHttp.layer()))

    const how = c.capabilities.get ? "status by polling" : "outcome by webhook only"
    yield* Console.log(`\n${c.displayName} (${how})`)
    yield* timeline.step("emulator", describeEmulator(entry, emulator))

    return yield* Effect.gen(function*() {
      const refunds = yield* RefundService.RefundService
      const { amount, currency } = support.demo
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount, currency }))
      yield* timeline.step("payment", `${paymentId} captured for ${money(amount, currency)} in the emulator`)
      const refundAmount = c.capabilities.partialRefunds ? Math.round(amount * 0.4) : amount
      const created = yield* refunds.create(c.id, {
        merchantRefundId: `demo-${c.id}-${Date.now().toString(36)}`,
        connectorTransactionId: paymentId,
        amount: { amount: refundAmount, currency },
        reason: "requested_by_customer",
        ...(support.refundMetadata !== undefined ? { metadata: support.refundMetadata(paymentId) } : {})
      })
      yield* timeline.step(
        "initiate",
        `RefundService.create(${money(refundAmount, currency)}) → ${created.connectorRefundId}  ${statusLine(created)}`
      )
      yield* check(created.simpleStatus === "PENDING", () => `${c.displayName}: a new refund should be PENDING, got ${statusLine(created)}`)
      const summary = c.capabilities.get ? yield* byPolling(entry, created, timeline) : yield* byWebhook(entry, emulator, created, timeline)
      yield* Console.log(`  ✓ ${c.displayName}: ${summary}`)
      return `${c.displayName} ${summary}`
    }).pipe(Effect.provide(layer))
  }).pipe(Effect.scoped)

export const demo = Command.make(
  "demo",
  {
    connector: Flag.String("connector").pipe(
      Flag.withAlias("c"),
      Flag.withDescription(`Which connector to show (${[...Connectors.withEmulator.map((c) => c.id), "all"].join(" | ")})`),
      Flag.withDefault("all")
    )
  },
  Effect.fn(function*({ connector }) {
    let selected: ReadonlyArray<DemoConnector> = Connectors.withEmulator
    if (connector !== "all") {
      const found = Connectors.withEmulator.find((c) => c.id === connector)
      if (found === undefined) {
        return yield* new UsageError({
          message: `${Connectors.find(connector) === undefined ? "unknown connector" : "no emulator for"} ${JSON.stringify(connector)}; ` +
            `the demo runs ${[...Connectors.withEmulator.map((c) => c.id), "all"].join(", ")}`
        })
      }
      selected = [found]
    }
    yield* Console.log("Refract demo: refunds end to end against the embedded emulators (loopback only; no real processor is called)")
    const timeline = yield* Timeline.make
    const results: Array<string> = []
    for (const entry of selected) results.push(yield* runConnector(entry, timeline))
    const total = yield* timeline.elapsedMillis
    yield* Console.log(`\nDemo passed in ${total} ms: ${results.join("; ")}.`)
  })
).pipe(
  Command.withDescription("Run the refund flow end to end against the embedded emulators, as a timeline (also a smoke test)"),
  Command.withExamples([
    {
      command: "refract demo",
      description: `Every connector in turn: ${
        Connectors.withEmulator.map((c) => `${c.connector.displayName} (${c.connector.capabilities.get ? "polling" : "webhook"})`).join(", ")
      }`
    },
    ...Connectors.withEmulator.filter((c) => !c.connector.capabilities.get).slice(0, 1).map((c) => ({
      command: `refract demo --connector ${c.id}`,
      description: `Only ${c.connector.displayName}: its outcome arrives by signed webhook`
    }))
  ])
)
