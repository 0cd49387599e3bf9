/**
 * Durable tracking across runner processes, with failures.
 *
 * Three `refract serve --cluster` processes share one PostgreSQL; a webhook load balancer sends each
 * delivery to the next live runner. This test process is a client-only member of the cluster: it
 * creates refunds through `RefundTracker.create` (each create runs as a workflow on whichever runner
 * owns its shard), and receives webhooks when no runner is up (any member can signal a workflow).
 *
 * The emulators are unkind: Stripe delivers webhooks out of order, twice, and delayed; some creates
 * lose their answer after the refund was made; refunds succeed, fail, get cancelled, stay waiting
 * for action (so they must be flagged stuck) or succeed and fail later (a reversal the watch must
 * find). Adyen cannot be polled: its refunds move only by webhook.
 *
 * 1. 3 runners start; 66 Stripe and 13 Adyen refunds are created concurrently (one Adyen refund
 *    never settles: only its durable timer can flag it stuck, after the restart).
 * 2. One runner is killed with SIGKILL while creates are in flight; the other two take its shards.
 *    Half of the Adyen refunds settle: each webhook lands on some runner, which signals the
 *    workflow wherever it runs, and the workflow finishes long before its 60 s re-check.
 * 3. Later both survivors are killed too: nothing runs. Meanwhile Adyen settles refunds (their
 *    webhooks reach this process, which stores them and signals the workflows), and refunds are
 *    made in Adyen's dashboard, i.e. webhooks arrive before any workflow exists for them.
 * 4. All three runners are started again.
 *
 * Then, at the emulators and in the store: every refund was created exactly once; every refund's
 * state in Refract is the processor's final state; every workflow that could finish finished, the
 * others are flagged stuck, once; and the webhook-only refunds settled during the outage finished
 * promptly after the restart, well before their 60 s re-check timer, from the signals stored while
 * no runner was up.
 */
import { ConnectorRegistry, RefundStore, RefundTracker } from "@refract/core"
import type { Refund } from "@refract/core"
import { AdyenConnector } from "@refract/adyen"
import { NodeWebhookServer } from "@refract/node"
import { stripe as stripeConnector, StripeConnector } from "@refract/stripe"
import { AdyenEmulator, StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle as Emulator } from "@refract/testkit"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import type { WorkflowEngine } from "effect/workflow"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { ClusterPaymentClient, ClusterReconcile, ClusterRunner, Retention } from "@refract/cluster"
import type { Runner } from "./harness.ts"
import { freePort, freshDatabase, query, shardOwners, shardsHeldBy, sleep, startBalancer, startRunner, until } from "./harness.ts"

const STRIPE = 66
const ADYEN = 12
/** One more Adyen refund that never settles: webhook-only, so only its durable timer can flag it stuck. */
const ADYEN_NEVER = 1
const stuckAfter = 30_000

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "refract-cluster-test-"))
let databaseUrl = ""
let stripe: Emulator
let adyen: Emulator
let balancer: Awaited<ReturnType<typeof startBalancer>>
const runners: Array<Runner> = []
type Member = RefundTracker.RefundTracker | RefundStore.RefundStore | NodeWebhookServer.NodeWebhookServer | WorkflowEngine.WorkflowEngine
let member: ManagedRuntime.ManagedRuntime<Member, unknown>
let memberPort = 0
let promiseClient: ClusterPaymentClient
const measured: Record<string, number> = {}

const runnerArgs = [
  "--connector", "stripe",
  "--connector", "adyen",
  "--poll-initial-delay", "500ms",
  "--poll-max-delay", "2s",
  "--recheck-every", "60s",
  "--stuck-after", `${stuckAfter}ms`,
  "--reversal-window", "8s",
  "--reversal-poll-every", "1500ms",
  "--retain-for", "1h"
]

const runnerEnv = () => ({
  STRIPE_API_KEY: stripe.credentials["apiKey"]!,
  STRIPE_BASE_URL: stripe.url,
  STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
  ADYEN_API_KEY: adyen.credentials["apiKey"]!,
  ADYEN_MERCHANT_ACCOUNT: adyen.credentials["merchantAccount"]!,
  ADYEN_BASE_URL: adyen.url,
  ADYEN_HMAC_KEY: adyen.webhookSecret
})

const ports: Array<{ http: number; runner: number }> = []
const start = (i: number) => {
  const r = startRunner({
    name: `r${i + 1}-${Date.now()}`,
    databaseUrl,
    httpPort: ports[i]!.http,
    runnerPort: ports[i]!.runner,
    args: runnerArgs,
    env: runnerEnv(),
    logDir
  })
  runners[i] = r
  return r
}

const logs = () =>
  runners.map((r) => `--- ${r.name}\n${fs.readFileSync(r.log, "utf8").split("\n").filter((l) => !/ via (create|poll|webhook)$/.test(l)).slice(-40).join("\n")}`).join("\n")

interface TrackingRow {
  execution_id: string
  connector: string
  merchant_refund_id: string | null
  connector_refund_id: string | null
  phase: string
  status: string | null
  stuck_since: string | null
  started_at: string
  finished_at: string | null
}
const trackingRows = () => query<TrackingRow>(databaseUrl, "SELECT * FROM refract_tracking")

beforeAll(async () => {
  databaseUrl = await freshDatabase(inject("databaseUrl"), "refract_cluster_failover")
  for (let i = 0; i < 3; i++) ports.push({ http: await freePort(), runner: await freePort() })
  memberPort = await freePort()
  balancer = await startBalancer(() => [...runners.filter((r) => r.alive).map((r) => r.httpPort), memberPort])
  stripe = await StripeEmulator.start({
    settleAfterMillis: 1_500,
    reversalAfterMillis: 3_000,
    webhookUrl: `${balancer.url}/webhooks/stripe`,
    webhooks: { mode: "adversarial", seed: 11, maxDelayMillis: 2_000, delayStepMillis: 500, redeliveryWithinMillis: 5_000 }
  })
  adyen = await AdyenEmulator.start({ settleAfterMillis: Number.POSITIVE_INFINITY, webhookUrl: `${balancer.url}/webhooks/adyen` })

  const connectors = Layer.mergeAll(
    StripeConnector.layer({ apiKey: stripe.credentials["apiKey"]!, baseUrl: stripe.url, webhookSecret: stripe.webhookSecret }),
    AdyenConnector.layer({
      apiKey: adyen.credentials["apiKey"]!,
      merchantAccount: adyen.credentials["merchantAccount"]!,
      baseUrl: adyen.url,
      hmacKey: adyen.webhookSecret
    })
  ).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer), Layer.provideMerge(FetchHttpClient.layer))
  const pg = ClusterRunner.layerPostgres({ url: databaseUrl, runner: "client", createTimeout: "60 seconds", maxConnections: 4 })
  member = ManagedRuntime.make(
    NodeWebhookServer.layer({ port: memberPort, host: "127.0.0.1", store: pg.store, tracking: pg.tracking, ops: false }).pipe(
      Layer.provideMerge(connectors)
    ) as Layer.Layer<Member, unknown>
  )
  await member.runPromise(Effect.void)
  promiseClient = new ClusterPaymentClient({
    connector: stripeConnector,
    apiKey: stripe.credentials["apiKey"]!,
    baseUrl: stripe.url,
    databaseUrl,
    createTimeoutMillis: 60_000
  })
}, 120_000)

afterAll(async () => {
  await Promise.all(runners.map((r) => r.kill("SIGKILL")))
  await promiseClient?.close()
  await member?.dispose()
  await balancer?.close()
  await stripe?.close()
  await adyen?.close()
  fs.rmSync(logDir, { recursive: true, force: true })
  console.error(`refract cluster failover: ${JSON.stringify(measured)}`)
}, 60_000)

describe("tracking on three runners, with kill -9", () => {
  it("creates every refund once and tracks it to its true final state", async () => {
    // 1. Three runners.
    const coldStart = Date.now()
    for (let i = 0; i < 3; i++) start(i)
    await Promise.all(runners.map((r) => r.ready))
    await shardsHeldBy(databaseUrl, 3)
    measured["coldStartMillis"] = Date.now() - coldStart

    // Outcomes, by payment. requires_action never settles: those refunds must be flagged stuck.
    const stripeOutcomes = ["succeeded", "succeeded", "failed", "canceled", "requires_action", "succeeded_then_failed"] as const
    const stripeCases = await Promise.all(Array.from({ length: STRIPE }, async (_, i) => {
      const payment = await stripe.createPayment({ amount: 10_000, currency: "EUR" })
      stripe.scriptOutcome(payment, stripeOutcomes[i % stripeOutcomes.length]!)
      return { i, payment, outcome: stripeOutcomes[i % stripeOutcomes.length]! }
    }))
    const adyenCases = await Promise.all(Array.from({ length: ADYEN + ADYEN_NEVER }, async (_, i) => {
      const payment = await adyen.createPayment({ amount: 10_000, currency: "EUR" })
      adyen.scriptOutcome(payment, i % 4 === 3 ? "failed" : "succeeded")
      return { i, payment }
    }))
    // Every 7th create loses its answer after Stripe made the refund: the outcome is unknown until resolved.
    stripe.injectRandomFaults({ seed: 7, rate: 1 / 7, kinds: [{ _tag: "DropAfterRecord" }], match: { method: "POST", path: "/v1/refunds" } })

    // 2. Concurrent creates; one runner killed with SIGKILL while they are in flight.
    let created = 0
    let killedAt = 0
    const creates = Promise.all([
      ...stripeCases.map((c) => {
        const input = { merchantRefundId: `s-${c.i}`, connectorTransactionId: c.payment, amount: { amount: 1_000 + c.i, currency: "EUR" } }
        // Every 6th through the Promise API (its own client-only member), the rest through the Effect API.
        const made = c.i % 6 === 5
          ? promiseClient.refunds.create(input)
          : member.runPromise(Effect.flatMap(Effect.service(RefundTracker.RefundTracker), (t) => t.create("stripe", input)))
        return made.then((refund) => {
          if (++created === 25) killedAt = Date.now()
          return refund
        })
      }),
      ...adyenCases.map((c) =>
        member.runPromise(Effect.flatMap(Effect.service(RefundTracker.RefundTracker), (t) =>
          t.create("adyen", { merchantRefundId: `a-${c.i}`, connectorTransactionId: c.payment, amount: { amount: 500 + c.i, currency: "EUR" } })
        ))
      )
    ])
    await until(() => (killedAt > 0 ? true : undefined), "25 creates", 60_000, 20)
    const killTime = Date.now()
    await runners[1]!.kill("SIGKILL")
    // The survivors hold every shard again (a client-only member holds none).
    await shardsHeldBy(databaseUrl, 2)
    measured["failoverMillis"] = Date.now() - killTime
    const made = await creates.catch((e) => {
      throw new Error(`a create failed: ${e}\n${logs()}`)
    })
    measured["createsMillis"] = Date.now() - coldStart
    expect(made).toHaveLength(STRIPE + ADYEN + ADYEN_NEVER)

    // Half of Adyen's refunds settle now: the webhook reaches any runner, which signals the workflow
    // wherever it runs. Meanwhile polls, webhooks and reversals go on; then every runner stops.
    const adyenRefunds = made.slice(STRIPE, STRIPE + ADYEN) as ReadonlyArray<Refund.Refund>
    const neverSettles = made[STRIPE + ADYEN]!
    const settledWhileUp = adyenRefunds.filter((_, i) => i % 2 === 1)
    for (const refund of settledWhileUp) await adyen.advance(refund.connectorRefundId)
    await until(async () => {
      const rows = await trackingRows()
      return settledWhileUp.every((r) => rows.some((row) => row.connector_refund_id === r.connectorRefundId && row.finished_at !== null)) ? true : undefined
    }, "the Adyen refunds settled by webhook to finish", 30_000)
    await Promise.all(runners.map((r) => r.kill("SIGKILL")))
    const downAt = Date.now()
    expect(await shardOwners(databaseUrl)).toEqual(new Map())

    // 3. Nothing runs. Half the Adyen refunds settle now; their webhooks reach this client-only member.
    const settledInOutage = adyenRefunds.filter((_, i) => i % 2 === 0)
    expect(settledInOutage.length + settledWhileUp.length).toBe(ADYEN)
    for (const refund of settledInOutage) await adyen.advance(refund.connectorRefundId)
    // Dashboard refunds: their webhooks arrive before any workflow exists for them.
    const dashboard: Array<string> = []
    for (let i = 0; i < 2; i++) {
      const payment = await adyen.createPayment({ amount: 2_000, currency: "EUR" })
      const answer = await fetch(`${adyen.url}/payments/${payment}/refunds`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": adyen.credentials["apiKey"]! },
        body: JSON.stringify({ merchantAccount: adyen.credentials["merchantAccount"], amount: { value: 700, currency: "EUR" }, reference: `dash-${i}` })
      })
      const body = await answer.json() as { pspReference: string }
      expect(answer.status).toBe(201)
      await adyen.advance(body.pspReference)
      dashboard.push(body.pspReference)
    }
    await sleep(Math.max(0, 4_000 - (Date.now() - downAt)))

    // 4. Everything restarts.
    const restartAt = Date.now()
    for (let i = 0; i < 3; i++) start(i)
    await Promise.all(runners.map((r) => r.ready))
    measured["outageMillis"] = restartAt - downAt
    await shardsHeldBy(databaseUrl, 3)
    measured["restartToShardsMillis"] = Date.now() - restartAt

    const settledOutageIds = new Set(settledInOutage.map((r) => r.connectorRefundId))

    const stuckIds = new Set([...stripe.refunds().filter((r) => r.status === "requires_action").map((r) => r.id), neverSettles.connectorRefundId])
    const rows = await until(async () => {
      const all = await trackingRows()
      const open = all.filter((r) => r.finished_at === null && !stuckIds.has(r.connector_refund_id ?? ""))
      const unflagged = all.filter((r) => stuckIds.has(r.connector_refund_id ?? "") && r.stuck_since === null)
      return all.length >= STRIPE + ADYEN + ADYEN_NEVER + dashboard.length && open.length === 0 && unflagged.length === 0 ? all : undefined
    }, "every workflow to finish or be flagged stuck", 150_000, 250).catch(async (e) => {
      const all = await trackingRows()
      // Row ids are bigint: JSON.stringify refuses them without a replacer, and would hide the failure.
      const open = all.filter((r) => r.finished_at === null).slice(0, 10)
      throw new Error(`${e}\nrows: ${all.length}; open: ${JSON.stringify(open, (_, v) => (typeof v === "bigint" ? v.toString() : v))}\n${logs()}`)
    })
    measured["restartToDoneMillis"] = Date.now() - restartAt

    // Exactly once, at the processors: one refund per merchant refund id, none for ids never sent.
    const stripeByMerchantId = new Map<string, number>()
    for (const r of stripe.refunds()) {
      const id = r.metadata["merchant_refund_id"] ?? "(none)"
      stripeByMerchantId.set(id, (stripeByMerchantId.get(id) ?? 0) + 1)
    }
    expect([...stripeByMerchantId.values()].every((n) => n === 1)).toBe(true)
    expect([...stripeByMerchantId.keys()].toSorted()).toEqual(stripeCases.map((c) => `s-${c.i}`).toSorted())
    const adyenByReference = new Map<string, number>()
    for (const r of adyen.refunds()) adyenByReference.set(r.reference ?? "(none)", (adyenByReference.get(r.reference ?? "(none)") ?? 0) + 1)
    expect([...adyenByReference.values()].every((n) => n === 1)).toBe(true)
    expect(adyenByReference.size).toBe(ADYEN + ADYEN_NEVER + dashboard.length)
    measured["stripeCreateRequests"] = stripe.requests().filter((r) => r.method === "POST" && r.path === "/v1/refunds").length
    measured["stripeRefunds"] = stripe.refunds().length

    // Every refund's state in Refract is the processor's final one; every workflow finished with it.
    const store = await member.runPromise(Effect.service(RefundStore.RefundStore))
    const mismatches: Array<string> = []
    for (const truth of [...stripe.refunds(), ...adyen.refunds()]) {
      const connector = truth.id.startsWith("re_") ? "stripe" : "adyen"
      const stored = await member.runPromise(store.get({ connector, connectorRefundId: truth.id }))
      const raw = stored._tag === "Some" ? stored.value.rawStatus : "(missing)"
      if (raw.toLowerCase() !== truth.status.toLowerCase() && !(connector === "adyen" && adyenMatches(raw, truth.status))) {
        mismatches.push(`${connector} ${truth.id}: processor ${truth.status}, Refract ${raw}`)
      }
      const row = rows.find((r) => r.connector_refund_id === truth.id)
      if (row === undefined) mismatches.push(`${connector} ${truth.id}: no tracking workflow`)
      else if (!stuckIds.has(truth.id) && (row.finished_at === null || row.status !== (stored._tag === "Some" ? stored.value.status : null))) {
        // A finished row may only lag the store for a change stored at about the time tracking ended
        // (a late webhook refining Failed into Reversed races the finish step).
        const history = await member.runPromise(store.history({ connector, connectorRefundId: truth.id }))
        const late = history.some((e) => e.source === "webhook" && e.statusAfter === (stored._tag === "Some" ? stored.value.status : undefined) && e.receivedAt >= Number(row.finished_at) - 5_000)
        if (row.finished_at === null || !late) {
          mismatches.push(`${connector} ${truth.id}: workflow ${row.phase} ${row.status}, store ${stored._tag === "Some" ? stored.value.status : "-"}`)
        }
      }
    }
    expect(mismatches).toEqual([])

    // The Stuck flag: set once, durably, on every refund still pending at its deadline (createdAt +
    // stuckAfter) and only on those. requires_action never settles, so those must all be flagged; a
    // webhook-only refund whose creation or settlement was held up by the failover may be too.
    const flagged = rows.filter((r) => r.stuck_since !== null)
    for (const id of stuckIds) expect(flagged.some((r) => r.connector_refund_id === id)).toBe(true)
    for (const row of flagged) {
      const key = { connector: row.connector, connectorRefundId: row.connector_refund_id! }
      const refund = await member.runPromise(store.get(key))
      const history = await member.runPromise(store.history(key))
      expect(refund._tag).toBe("Some")
      if (refund._tag === "Some") expect(Number(row.stuck_since)).toBeGreaterThanOrEqual(refund.value.createdAt + stuckAfter)
      const settledAt = history.find((e) => e.statusAfter !== undefined && e.statusAfter !== "Pending" && e.statusAfter !== "RequiresAction")?.receivedAt
      if (settledAt !== undefined) expect(settledAt).toBeGreaterThan(Number(row.stuck_since))
    }
    measured["stuckFlags"] = flagged.length
    // Durable timers: the never-settling Adyen refund sleeps until its stuck deadline (its re-check is
    // later). That sleep was scheduled before the outage and its deadline falls after the restart: it
    // fired at the deadline, give or take the storage poll, not a whole sleep after the restart.
    const neverRow = rows.find((r) => r.connector_refund_id === neverSettles.connectorRefundId)!
    const deadline = neverSettles.createdAt + stuckAfter
    expect(deadline).toBeGreaterThan(restartAt)
    measured["timerLateMillis"] = Number(neverRow.stuck_since) - deadline
    expect(measured["timerLateMillis"]).toBeLessThan(5_000)

    // Webhook-only refunds wake on a signal or on a timer (the stuck deadline, then the 60 s
    // re-check). Those settled by webhook, with runners up or while none was (the signals were stored
    // by this member), finished within seconds of the webhook, or of the runners' return.
    const restartReady = restartAt + measured["restartToShardsMillis"]!
    for (const refund of [...settledWhileUp, ...settledInOutage]) {
      const key = { connector: "adyen", connectorRefundId: refund.connectorRefundId }
      const webhookAt = (await member.runPromise(store.history(key))).find((e) => e.source === "webhook")!.receivedAt
      const row = rows.find((r) => r.connector_refund_id === refund.connectorRefundId)!
      const readyAt = settledOutageIds.has(refund.connectorRefundId) ? Math.max(webhookAt, restartReady) : webhookAt
      expect(row.finished_at).not.toBeNull()
      expect(Number(row.finished_at) - readyAt).toBeLessThan(10_000)
    }
    // Dashboard refunds, whose webhooks came while no runner was up and before any workflow existed.
    for (const id of dashboard) expect(rows.find((r) => r.connector_refund_id === id)?.finished_at).not.toBeNull()
    const dashboardRows = rows.filter((r) => dashboard.includes(r.connector_refund_id ?? ""))
    expect(dashboardRows.map((r) => r.merchant_refund_id).toSorted()).toEqual(["dash-0", "dash-1"])
    // Retention: the journal of finished executions goes, the rest stays; a later create of a
    // finished refund is still a no-op at the processor (the tracking row and the store remember it).
    const messagesOf = async (ids: ReadonlyArray<string>) =>
      Number((await query<{ n: string }>(databaseUrl, "SELECT count(*) AS n FROM cluster_messages WHERE entity_id = ANY($1::text[])", [ids]))[0]!.n)
    const finishedIds = rows.filter((r) => r.finished_at !== null).map((r) => r.execution_id)
    const openIds = rows.filter((r) => r.finished_at === null).map((r) => r.execution_id)
    expect(await messagesOf(finishedIds)).toBeGreaterThan(0)
    const openMessages = await messagesOf(openIds)
    const purged = await Retention.purge({ retainFor: 0, batchSize: 25 }).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(databaseUrl), maxConnections: 1 })),
      Effect.runPromise
    )
    expect(purged).toBe(finishedIds.length)
    expect(await messagesOf(finishedIds)).toBe(0)
    // (open workflows keep polling: their journal only grows)
    expect(await messagesOf(openIds)).toBeGreaterThanOrEqual(openMessages)
    const again = stripeCases.find((c) => c.outcome === "succeeded")!
    const before = stripe.refunds().length
    const recreated = await member.runPromise(Effect.flatMap(Effect.service(RefundTracker.RefundTracker), (t) =>
      t.create("stripe", { merchantRefundId: `s-${again.i}`, connectorTransactionId: again.payment, amount: { amount: 1_000 + again.i, currency: "EUR" } })
    ))
    expect(recreated.merchantRefundId).toBe(`s-${again.i}`)
    expect(stripe.refunds().length).toBe(before)
    measured["purgedExecutions"] = purged

    // The Promise API reads what the workflows keep in the store.
    const viaPromise = stripeCases.find((c) => c.i % 6 === 5)!
    const seen = await promiseClient.refunds.status(`s-${viaPromise.i}`)
    expect(seen?.rawStatus).toBe(stripe.refunds().find((r) => r.metadata["merchant_refund_id"] === `s-${viaPromise.i}`)?.status)
    expect((await promiseClient.refunds.history(seen!.connectorRefundId)).map((e) => e.source)).toContain("create")

    // Reconciliation as cluster work: 12 slices of the window, run by the runners at the same time,
    // the store as the books. One refund made in Stripe's dashboard while its webhooks were lost is
    // the one discrepancy.
    stripe.setWebhookUrl(undefined)
    const dashPayment = await stripe.createPayment({ amount: 3_000, currency: "EUR" })
    const dash = await fetch(`${stripe.url}/v1/refunds`, {
      method: "POST",
      headers: { authorization: `Bearer ${stripe.credentials["apiKey"]}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ payment_intent: dashPayment, amount: "300", "metadata[merchant_refund_id]": "dash-s" })
    })
    expect(dash.status).toBe(200)
    const reconciled = await member.runPromise(ClusterReconcile.run({
      runId: "failover-1",
      connector: "stripe",
      window: { from: coldStart - 60_000, to: Date.now() + 1_000 },
      slices: 12
    }))
    expect(reconciled.slices).toHaveLength(12)
    expect(reconciled.slices.reduce((n, s) => n + s.processorRefunds, 0), JSON.stringify(reconciled)).toBe(STRIPE + 1)
    expect(reconciled.counts["matched"]).toBe(STRIPE)
    expect(reconciled.discrepancies).toBe(1)
    const found = await ClusterReconcile.findings({ runId: "failover-1" }).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(databaseUrl), maxConnections: 1 })),
      Effect.runPromise
    )
    expect(found.map((f) => [f.kind, f.merchantRefundId])).toEqual([["missing_in_ledger", "dash-s"]])
    measured["reconcileRunners"] = new Set(reconciled.slices.map((s) => s.runner)).size
    expect(measured["reconcileRunners"]).toBeGreaterThan(1)

    measured["reversals"] = stripe.refunds().filter((r) => r.everSucceeded && r.status === "failed").length
    measured["duplicates"] = [...stripeByMerchantId.values(), ...adyenByReference.values()].filter((n) => n > 1).length
    measured["lost"] = mismatches.length
  }, 300_000)
})

/**
 * Adyen's notifications in Refract (`REFUND:true`, `REFUND:false`, ...) against the emulator's raw
 * statuses (testkit's AdyenEmulator: `received` until the REFUND notification, then `refunded` or
 * `rejected`).
 */
const adyenMatches = (raw: string, truth: string): boolean =>
  ({ received: "received", refunded: "REFUND:true", rejected: "REFUND:false" } as Record<string, string>)[truth] === raw
