/**
 * Listing refunds over a window (reconciliation): the pure request builder and page parser, settlement
 * evidence in every refund parser, then the whole walk through core's pipeline against the Razorpay
 * emulator, page by page until `next` is absent (and what skip paging does when the window changes).
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { BoundConnector, Executor, RefundClient } from "@refract/core"
import type { Connector, Refund, RefundError } from "@refract/core"
import { Effect, Result } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { RazorpayEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { RazorpayConnector, RazorpayWebhook, connector } from "@refract/razorpay"
import { context, createRequest, fixtureJson, fixtureText, reference } from "./helpers/Fixtures.ts"

const list = connector.list!

/** 2025-11-22T12:00:00Z .. +1 h, epoch ms. */
const window = { from: 1763812800_000, to: 1763816400_000 }
const request = (over: Partial<Connector.ListRequest> = {}): Connector.ListRequest => ({ window, pageSize: 3, ...over })

const ok = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) assert.fail(`expected success, got ${JSON.stringify(result.failure)}`)
  return result.success
}
const failure = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) assert.fail(`expected failure, got ${JSON.stringify(result.success)}`)
  return result.failure
}
const fieldsOf = (s: Refund.Settlement | undefined) =>
  s === undefined ? undefined : { traceReference: s.traceReference, traceReferenceType: s.traceReferenceType, settledAt: s.settledAt, batchId: s.batchId }

describe("list: declaration", () => {
  it("lists 100 a page with a declared lag", () => {
    assert.isTrue(connector.capabilities.list)
    assert.isFalse(connector.capabilities.reports)
    assert.strictEqual(list.maxPageSize, 100)
    assert.strictEqual(list.lagMillis, 60_000)
    assert.isUndefined(list.maxWindowMillis)
  })
})

describe("list.page.build", () => {
  it("GET /v1/refunds with from/to in unix seconds (a second to spare before from), count and skip 0 on the first page", () => {
    assert.deepStrictEqual(ok(list.page.build(request({ pageSize: 100 }), context)), {
      method: "GET",
      path: "/v1/refunds",
      query: { from: "1763812799", to: "1763816400", count: "100", skip: "0" }
    })
  })

  it("the cursor is the skip count", () => {
    assert.strictEqual(ok(list.page.build(request({ cursor: "300" }), context)).query?.["skip"], "300")
    assert.strictEqual(ok(list.page.build(request({ cursor: "0" }), context)).query?.["skip"], "0")
  })

  it("a window that is not second-aligned still covers every second it touches", () => {
    const q = ok(list.page.build(request({ window: { from: 1763812800_500, to: 1763816400_001 } }), context)).query
    assert.deepStrictEqual({ from: q?.["from"], to: q?.["to"] }, { from: "1763812800", to: "1763816401" })
    assert.strictEqual(ok(list.page.build(request({ window: { from: 0, to: 1_000 } }), context)).query?.["from"], "0")
  })

  it("refuses a cursor that is not a skip count, an empty window and a page size Razorpay does not take", () => {
    for (const cursor of ["", "-1", "1.5", "01", "ten", "1e3", "9999999999999999"]) {
      assert.strictEqual((failure(list.page.build(request({ cursor }), context)) as { field?: string }).field, "cursor", cursor)
    }
    for (const w of [{ from: window.to, to: window.from }, { from: window.from, to: window.from }, { from: Number.NaN, to: 1 }]) {
      assert.strictEqual((failure(list.page.build(request({ window: w }), context)) as { field?: string }).field, "window")
    }
    for (const pageSize of [0, 101, 1.5]) {
      assert.strictEqual((failure(list.page.build(request({ pageSize }), context)) as { field?: string }).field, "pageSize")
    }
  })
})

describe("list.page.parse", () => {
  const parse = (body: unknown, input = request()) => list.page.parse(response(200, body), input, context)

  it("reads every refund entity as a snapshot; a full page has next = skip + its size", () => {
    const page = ok(parse(fixtureText("list-page.json")))
    assert.strictEqual(page.next, "3")
    assert.strictEqual(ok(parse(fixtureText("list-page.json"), request({ cursor: "6" }))).next, "9")
    const [processed, pending, unknown] = page.refunds as [Refund.RefundSnapshot, Refund.RefundSnapshot, Refund.RefundSnapshot]
    assert.strictEqual(processed.connectorRefundId, "rfnd_FgRAHdNOM4ZVbO")
    assert.strictEqual(processed.status, "Succeeded")
    assert.strictEqual(processed.merchantRefundId, "order-42-r1")
    assert.deepStrictEqual(processed.metadata, { order: "42" })
    assert.strictEqual(processed.connectorTransactionId, "pay_FgR9UMzgmKDJRi")
    assert.strictEqual(processed.createdAt, 1763812802_000)
    assert.strictEqual(processed.occurredAt, undefined, "a listing is a read")
    assert.strictEqual((processed.raw as { id?: string }).id, "rfnd_FgRAHdNOM4ZVbO")
    assert.strictEqual(pending.status, "Pending")
    assert.strictEqual(pending.merchantRefundId, undefined)
    assert.strictEqual(unknown.status, "Unknown")
    assert.strictEqual(unknown.rawStatus, "on_hold")
    assert.strictEqual(unknown.merchantRefundId, "order-44-r1")
  })

  it("settlement evidence: arn, else rrn; nothing for an empty acquirer_data", () => {
    const [processed, pending, unknown] = ok(parse(fixtureText("list-page.json"))).refunds
    assert.deepStrictEqual(fieldsOf(processed!.settlement), {
      traceReference: "74836420321231456789012",
      traceReferenceType: "arn",
      settledAt: undefined,
      batchId: undefined
    })
    assert.isUndefined(pending!.settlement)
    assert.deepStrictEqual(fieldsOf(unknown!.settlement), { traceReference: "412345678901", traceReferenceType: "rrn", settledAt: undefined, batchId: undefined })
  })

  it("a page with fewer than count refunds is the last; so is an empty one", () => {
    assert.isUndefined(ok(parse(fixtureText("list-page.json"), request({ pageSize: 4 }))).next)
    assert.deepStrictEqual(ok(parse({ entity: "collection", count: 0, items: [] })), { refunds: [] })
  })

  it("keeps only refunds created in [from, to); the skip count still counts every item", () => {
    const body = fixtureJson("list-page.json")
    body.items[0].created_at = window.to / 1000 // at to: outside
    body.items[2].created_at = window.from / 1000 - 1 // the spare second before from
    const page = ok(parse(body))
    assert.deepStrictEqual(page.refunds.map((r) => r.connectorRefundId), ["rfnd_ListPending001"])
    assert.strictEqual(page.next, "3")
  })

  it("malformed bodies, more items than asked and a bad cursor are UnexpectedResponse", () => {
    for (const body of ["nope", { items: {} }, { items: [{ id: "rfnd_1" }] }, { entity: "refund", id: "rfnd_FgRAHdNOM4ZVbO" }]) {
      assert.strictEqual(failure(parse(body))._tag, "UnexpectedResponse", JSON.stringify(body))
    }
    assert.strictEqual(failure(parse(fixtureText("list-page.json"), request({ pageSize: 2 })))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(parse(fixtureText("list-page.json"), request({ cursor: "x" })))._tag, "UnexpectedResponse")
  })

  it("a list error maps through mapError with operation list", () => {
    const mapped = connector.mapError(
      response(400, { error: { code: "BAD_REQUEST_ERROR", description: "The count may not be greater than 100.", field: "count" } }),
      "list",
      0
    )
    assert.strictEqual(mapped.reason._tag, "InvalidRequest")
    assert.strictEqual(RazorpayConnector.skipOf(undefined), 0)
  })
})

describe("settlement evidence in every refund parser", () => {
  it("create, get, lookup and webhook snapshots carry the arn", () => {
    const created = ok(connector.create.parse(response(200, fixtureText("refund-processed.json")), createRequest(), { ...context, idempotencyKey: "refract-key-0001" }))
    assert.strictEqual(created.settlement?.traceReference, "74836420321231456789012")
    const read = ok(connector.get!.parse(response(200, fixtureText("refund-processed.json")), reference("rfnd_FgRAHdNOM4ZVbO"), context))
    assert.strictEqual(read.settlement?.traceReferenceType, "arn")
    assert.isUndefined(ok(connector.get!.parse(response(200, fixtureText("refund-pending.json")), reference("rfnd_FgRAHdNOM4ZVbO"), context)).settlement)
    const found = ok(connector.lookup!.parse(
      response(200, { entity: "collection", count: 1, items: [fixtureJson("refund-processed.json")] }),
      { merchantRefundId: "order-42-r1", connectorTransactionId: "pay_FgR9UMzgmKDJRi" },
      context
    ))
    assert.strictEqual(found._tag === "Some" ? found.value.settlement?.traceReference : undefined, "74836420321231456789012")
    const events = ok(connector.webhooks!.parse({ headers: {}, body: new TextEncoder().encode(fixtureText("event-refund-processed.json")) } as never))
    assert.strictEqual(events[0]?.refund?.settlement?.traceReference, "74836420321231456789012")
    const createdEvent = ok(connector.webhooks!.parse({ headers: {}, body: new TextEncoder().encode(fixtureText("event-refund-created.json")) } as never))
    assert.isUndefined(createdEvent[0]?.refund?.settlement, "arn: null is no evidence")
  })

  it("arn before rrn before utr; blank, null and non-string values are no evidence", () => {
    const of = (acquirer_data: unknown) => RazorpayWebhook.settlementOf({ ...fixtureJson("refund-processed.json"), acquirer_data })
    assert.strictEqual(of({ utr: "UTR1", rrn: "RRN1", arn: "ARN1" })?.traceReference, "ARN1")
    assert.strictEqual(of({ utr: "UTR1", rrn: "RRN1", arn: null })?.traceReferenceType, "rrn")
    assert.deepStrictEqual(fieldsOf(of({ utr: "UTR1", arn: " " })), { traceReference: "UTR1", traceReferenceType: "utr", settledAt: undefined, batchId: undefined })
    for (const data of [{}, [], null, undefined, { arn: 123 }, { arn: "" }, { transaction_id: "x" }]) assert.isUndefined(of(data), JSON.stringify(data))
  })
})

describe("list against the Razorpay emulator, through core's pipeline", () => {
  let emulator: EmulatorHandle

  beforeAll(async () => {
    emulator = await RazorpayEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })
  beforeEach(() => emulator.reset())

  const bound = () =>
    BoundConnector.bind(connector, {
      credentials: { keyId: emulator.credentials["keyId"]!, keySecret: emulator.credentials["keySecret"]! },
      baseUrl: emulator.url,
      retry: { maxAttempts: 1, baseDelayMillis: 10, maxDelayMillis: 50 }
    })

  /** Walks a window page by page; `between` runs after each page (to change the window mid-walk). */
  const walk = (target: Connector.ListWindow, pageSize: number, between: (page: number) => Effect.Effect<void, RefundError> = () => Effect.void) =>
    Effect.gen(function*() {
      const b = yield* bound()
      const http = yield* HttpClient.HttpClient
      const ctx = { credentials: b.credentials, environment: b.environment }
      const pages: Array<Connector.ListPage> = []
      let cursor: string | undefined
      do {
        const page = yield* Executor.runWith(http, b, {
          operation: "list",
          flow: list.page,
          input: { window: target, pageSize, ...(cursor !== undefined ? { cursor } : {}) },
          context: ctx
        })
        pages.push(page)
        cursor = page.next
        yield* between(pages.length)
        if (pages.length > 50) assert.fail("the listing never ends")
      } while (cursor !== undefined)
      return pages
    }).pipe(Effect.provide(FetchHttpClient.layer))

  const setUp = Effect.gen(function*() {
    const refunds = yield* Effect.flatMap(bound(), RefundClient.make).pipe(Effect.provide(FetchHttpClient.layer))
    const payment = yield* Effect.promise(() => emulator.createPayment({ amount: 100_000, currency: "INR" }))
    const start = (Math.floor(emulator.clock.now() / 1000) + 10) * 1000
    const createdAt = new Map<string, number>()
    let n = 0
    const refundAt = (at: number) =>
      Effect.gen(function*() {
        if (at > emulator.clock.now()) yield* Effect.promise(() => emulator.clock.setTime(at))
        const refund = yield* refunds.create({
          merchantRefundId: `rzp-list-${n++}`,
          connectorTransactionId: payment,
          amount: { amount: 100, currency: "INR" }
        })
        createdAt.set(refund.connectorRefundId, at)
        return refund.connectorRefundId
      })
    return { start, createdAt, refundAt, payment }
  })

  it.live("every refund created in the window appears exactly once, none from outside it", () =>
    Effect.gen(function*() {
      const { start, createdAt, refundAt, payment } = yield* setUp
      const target = { from: start + 2_000, to: start + 6_000 }
      // the second before from (which the request asks for too), from (three times), inside, the last second, to, after
      for (const second of [1, 2, 2, 2, 3, 4, 5, 5, 6, 7]) yield* refundAt(start + second * 1000)
      // Let the refunds be processed, so the listing shows their ARN.
      yield* Effect.promise(() => emulator.clock.advance(10 * 24 * 60 * 60 * 1000))
      const expected = [...createdAt].filter(([, at]) => at >= target.from && at < target.to).map(([id]) => id)
      assert.lengthOf(expected, 7)

      const pages = yield* walk(target, 2)
      const listed = pages.flatMap((p) => p.refunds.map((r) => r.connectorRefundId))
      assert.strictEqual(new Set(listed).size, listed.length, `no refund twice: ${listed.join(", ")}`)
      assert.sameMembers(listed, expected)
      assert.isUndefined(pages.at(-1)!.next)
      for (const snapshot of pages.flatMap((p) => p.refunds)) {
        assert.strictEqual(snapshot.connectorTransactionId, payment)
        assert.match(snapshot.merchantRefundId ?? "", /^rzp-list-\d+$/)
        if (snapshot.status === "Succeeded") assert.strictEqual(snapshot.settlement?.traceReferenceType, "arn")
      }
      assert.isTrue(pages.flatMap((p) => p.refunds).some((s) => s.settlement?.traceReference !== undefined), "processed refunds show their arn")

      const one = yield* walk(target, 100)
      assert.lengthOf(one, 1)
      assert.sameMembers(one[0]!.refunds.map((r) => r.connectorRefundId), expected)
      const none = yield* walk({ from: start + 100_000, to: start + 200_000 }, 10)
      assert.deepStrictEqual(none.map((p) => p.refunds.length), [0])
    }))

  it.live("a refund created in an open window during the walk makes the next page repeat one, never skip one", () =>
    Effect.gen(function*() {
      const { start, refundAt } = yield* setUp
      const before: Array<string> = []
      for (const second of [1, 2, 3, 4, 5]) before.push(yield* refundAt(start + second * 1000))
      // The window reaches into the future: refunds created while it is walked belong to it.
      const target = { from: start, to: start + 60_000 }
      let late: string | undefined
      const pages = yield* walk(target, 2, (page) =>
        page === 1 ? Effect.map(refundAt(start + 10_000), (id) => void (late = id)) : Effect.void)
      const listed = pages.flatMap((p) => p.refunds.map((r) => r.connectorRefundId))
      // Every refund that existed when the walk began is listed: an insertion at the front only shifts.
      for (const id of before) assert.include(listed, id)
      // The shift repeats the last refund of page 1 on page 2 (the core folds the repeat into the same refund).
      assert.strictEqual(pages[1]!.refunds[0]!.connectorRefundId, pages[0]!.refunds.at(-1)!.connectorRefundId)
      assert.strictEqual(listed.length, new Set(listed).size + 1)
      assert.notInclude(listed, late, "the newest refund is before the pages already read")
    }))
})
