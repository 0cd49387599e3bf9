/**
 * Listing refunds over a window (reconciliation): the pure request builder and page parser, then the
 * whole walk through core's pipeline against the Stripe emulator, page by page until `next` is absent.
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { BoundConnector, Executor, RefundClient } from "@refract/core"
import type { Connector, Refund } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { StripeConnector, connector } from "@refract/stripe"
import { fixtureJson, fixtureText } from "./helpers/Fixtures.ts"

const ctx = { credentials: { apiKey: Redacted.make("sk_test_abc") }, environment: "sandbox" } as const
const list = connector.list!

/** 2025-11-22T12:00:00Z .. +1 h, epoch ms (whole seconds, as the core aligns them). */
const window = { from: 1763812800_000, to: 1763816400_000 }
const request = (over: Partial<Connector.ListRequest> = {}): Connector.ListRequest => ({ window, pageSize: 100, ...over })

/** Every settlement field, set or not (a Schema class instance leaves unset ones out of a spread). */
const fieldsOf = (s: Refund.Settlement | undefined) =>
  s === undefined ? undefined : { traceReference: s.traceReference, traceReferenceType: s.traceReferenceType, settledAt: s.settledAt, batchId: s.batchId }

const ok = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) assert.fail(`expected success, got ${JSON.stringify(result.failure)}`)
  return result.success
}
const failure = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) assert.fail(`expected failure, got ${JSON.stringify(result.success)}`)
  return result.failure
}

describe("list: declaration", () => {
  it("lists with Stripe's page size and no lag", () => {
    assert.isTrue(connector.capabilities.list)
    assert.isFalse(connector.capabilities.reports)
    assert.strictEqual(list.maxPageSize, 100)
    assert.strictEqual(list.lagMillis, 0)
    assert.isUndefined(list.maxWindowMillis)
  })
})

describe("list.page.build", () => {
  it("GET /v1/refunds with created[gte]/created[lt] in unix seconds and the page size; no cursor on the first page", () => {
    const built = ok(list.page.build(request({ pageSize: 25 }), ctx))
    assert.deepStrictEqual(built, {
      method: "GET",
      path: "/v1/refunds",
      query: { "created[gte]": "1763812800", "created[lt]": "1763816400", limit: "25" }
    })
  })

  it("continues after the cursor with starting_after", () => {
    const built = ok(list.page.build(request({ cursor: "re_3QbXc2LkdIwHu7ix0List0001" }), ctx))
    assert.deepStrictEqual(built.query, {
      "created[gte]": "1763812800",
      "created[lt]": "1763816400",
      limit: "100",
      starting_after: "re_3QbXc2LkdIwHu7ix0List0001"
    })
  })

  it("rounds a window that is not second-aligned up at both ends (created is whole seconds)", () => {
    const built = ok(list.page.build(request({ window: { from: 1763812800_001, to: 1763816400_500 } }), ctx))
    assert.strictEqual(built.query?.["created[gte]"], "1763812801")
    assert.strictEqual(built.query?.["created[lt]"], "1763816401")
    assert.strictEqual(StripeConnector.unixSecondsCeil(1_000), 1)
    assert.strictEqual(StripeConnector.unixSecondsCeil(1_001), 2)
  })

  it("refuses a cursor that is not a refund id, an empty window and a page size Stripe does not take", () => {
    const cursor = failure(list.page.build(request({ cursor: "ch_123" }), ctx))
    assert.strictEqual(cursor._tag, "InvalidRequest")
    assert.strictEqual((cursor as { field?: string }).field, "cursor")
    for (const w of [{ from: window.to, to: window.from }, { from: window.from, to: window.from }, { from: Number.NaN, to: window.to }]) {
      assert.strictEqual(failure(list.page.build(request({ window: w }), ctx))._tag, "InvalidRequest", JSON.stringify(w))
    }
    for (const pageSize of [0, 101, 1.5]) {
      assert.strictEqual((failure(list.page.build(request({ pageSize }), ctx)) as { field?: string }).field, "pageSize", String(pageSize))
    }
    assert.isTrue(Result.isSuccess(list.page.build(request({ pageSize: 1 }), ctx)))
  })
})

describe("list.page.parse", () => {
  const parse = (body: unknown, input = request()) => list.page.parse(response(200, body), input, ctx)

  it("reads every refund as a snapshot, newest first, with next = the last refund id while has_more", () => {
    const page = ok(parse(fixtureText("refund-list-window.json")))
    assert.deepStrictEqual(page.refunds.map((r) => r.connectorRefundId), [
      "re_3QbXc2LkdIwHu7ix0List0003",
      "re_3QbXc2LkdIwHu7ix0List0002",
      "re_3QbXc2LkdIwHu7ix0List0001"
    ])
    assert.strictEqual(page.next, "re_3QbXc2LkdIwHu7ix0List0001")
    const [succeeded, unknown, pending] = page.refunds as [Refund.RefundSnapshot, Refund.RefundSnapshot, Refund.RefundSnapshot]
    assert.strictEqual(succeeded.status, "Succeeded")
    assert.strictEqual(succeeded.merchantRefundId, "order-42-r1")
    assert.deepStrictEqual(succeeded.metadata, { order: "42" })
    assert.strictEqual((succeeded.raw as { id?: string }).id, "re_3QbXc2LkdIwHu7ix0List0003")
    assert.strictEqual(succeeded.createdAt, 1763812802_000)
    assert.strictEqual(succeeded.occurredAt, undefined, "a listing is a read: no processor time for the state")
    assert.strictEqual(succeeded.connectorTransactionId, "pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y")
    // an unknown status is kept as Unknown with the raw string, never a guess
    assert.strictEqual(unknown.status, "Unknown")
    assert.strictEqual(unknown.rawStatus, "on_hold_new")
    assert.strictEqual(unknown.merchantRefundId, undefined)
    assert.strictEqual(pending.status, "Pending")
    assert.strictEqual(pending.merchantRefundId, "order-43-r1")
  })

  it("settlement evidence: the ARN once its status is available, nothing for a pending reference or none", () => {
    const [succeeded, pendingReference, noDetails] = ok(parse(fixtureText("refund-list-window.json"))).refunds
    assert.deepStrictEqual(
      fieldsOf(succeeded!.settlement),
      { traceReference: "74527124113190839123456", traceReferenceType: "acquirer_reference_number", settledAt: undefined, batchId: undefined }
    )
    assert.isUndefined(pendingReference!.settlement, "a pending reference is no evidence")
    assert.isUndefined(noDetails!.settlement)
  })

  it("the last page has no next; an empty page is a last page", () => {
    const last = { ...fixtureJson("refund-list-window.json"), has_more: false }
    assert.isUndefined(ok(parse(last)).next)
    const empty = ok(parse({ object: "list", data: [], has_more: false, url: "/v1/refunds" }))
    assert.deepStrictEqual(empty, { refunds: [] })
  })

  it("leaves out a refund created outside the window, and still moves the cursor past it", () => {
    const body = fixtureJson("refund-list-window.json")
    body.data[2].created = window.to / 1000 // at `to`: outside (to is exclusive)
    body.data[0].created = window.from / 1000 - 1 // before `from`
    const page = ok(parse(body))
    assert.deepStrictEqual(page.refunds.map((r) => r.connectorRefundId), ["re_3QbXc2LkdIwHu7ix0List0002"])
    assert.strictEqual(page.next, "re_3QbXc2LkdIwHu7ix0List0001")
  })

  it("malformed bodies are UnexpectedResponse, never a silent empty page", () => {
    const bodies: ReadonlyArray<unknown> = [
      "not json",
      { object: "list", has_more: false },
      { object: "list", data: [{ id: "re_1" }], has_more: false },
      { object: "list", data: {}, has_more: false },
      { object: "list", data: [], has_more: true },
      fixtureJson("refund-succeeded.json")
    ]
    for (const body of bodies) {
      assert.strictEqual(failure(parse(body))._tag, "UnexpectedResponse", JSON.stringify(body).slice(0, 80))
    }
  })
})

describe("settlement evidence in every refund parser", () => {
  it("create, get, lookup and webhook snapshots carry the available ARN", () => {
    const created = ok(connector.create.parse(response(200, fixtureText("refund-succeeded.json")), {
      merchantRefundId: "order-42-r1",
      connectorTransactionId: "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n"
    } as never, { ...ctx, idempotencyKey: "k" }))
    assert.strictEqual(created.settlement?.traceReference, "74527124113190839123456")
    const read = ok(connector.get!.parse(response(200, fixtureText("refund-succeeded.json")), { connectorRefundId: "re_3QbXc2LkdIwHu7ix0fN8sQ2m" } as never, ctx))
    assert.strictEqual(read.settlement?.traceReferenceType, "acquirer_reference_number")
    const pending = ok(connector.get!.parse(response(200, fixtureText("refund-pending.json")), { connectorRefundId: "re_3QbXc2LkdIwHu7ix0fN8sQ2m" } as never, ctx))
    assert.isUndefined(pending.settlement)
    const body = { object: "list", data: [fixtureJson("refund-succeeded.json")], has_more: false }
    const found = ok(connector.lookup!.parse(response(200, body), {
      merchantRefundId: "order-42-r1",
      connectorTransactionId: "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n"
    }, ctx))
    assert.strictEqual(found._tag === "Some" ? found.value.settlement?.traceReference : undefined, "74527124113190839123456")
    const events = ok(connector.webhooks!.parse({ headers: {}, body: new TextEncoder().encode(fixtureText("event-refund-updated.json")) } as never))
    assert.strictEqual(events[0]?.refund?.settlement?.traceReference, "74527124113190839123456")
  })

  it("a blank reference or a missing status is no evidence", () => {
    const refund = (card: unknown) => ({ ...fixtureJson("refund-succeeded.json"), destination_details: { type: "card", card } })
    const read = (card: unknown) =>
      ok(connector.get!.parse(response(200, refund(card)), { connectorRefundId: "re_3QbXc2LkdIwHu7ix0fN8sQ2m" } as never, ctx)).settlement
    assert.isUndefined(read({ reference: " ", reference_status: "available", type: "refund" }))
    assert.isUndefined(read({ reference: "7452", type: "refund" }))
    assert.isUndefined(read({ reference: "7452", reference_status: "unavailable", type: "refund" }))
    assert.isUndefined(read(null))
    assert.deepStrictEqual(fieldsOf(read({ reference: "7452", reference_status: "available", type: "refund" })), {
      traceReference: "7452",
      traceReferenceType: undefined,
      settledAt: undefined,
      batchId: undefined
    })
  })
})

describe("list against the Stripe emulator, through core's pipeline", () => {
  let emulator: EmulatorHandle

  beforeAll(async () => {
    emulator = await StripeEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })
  beforeEach(() => emulator.reset())

  /** Walks every page of a window, returning the pages. */
  const walk = (windowToList: Connector.ListWindow, pageSize: number) =>
    Effect.gen(function*() {
      const bound = yield* BoundConnector.bind(connector, {
        credentials: { apiKey: emulator.credentials["apiKey"]! },
        baseUrl: emulator.url,
        retry: { maxAttempts: 1, baseDelayMillis: 10, maxDelayMillis: 50 }
      })
      const http = yield* HttpClient.HttpClient
      const context = { credentials: bound.credentials, environment: bound.environment }
      const pages: Array<Connector.ListPage> = []
      let cursor: string | undefined
      do {
        const page = yield* Executor.runWith(http, bound, {
          operation: "list",
          flow: list.page,
          input: { window: windowToList, pageSize, ...(cursor !== undefined ? { cursor } : {}) },
          context
        })
        pages.push(page)
        cursor = page.next
        if (pages.length > 50) assert.fail("the listing never ends")
      } while (cursor !== undefined)
      return pages
    }).pipe(Effect.provide(FetchHttpClient.layer))

  it.live("every refund created in the window appears exactly once, none from outside it", () =>
    Effect.gen(function*() {
      const refunds = yield* Effect.gen(function*() {
        const bound = yield* BoundConnector.bind(connector, {
          credentials: { apiKey: emulator.credentials["apiKey"]! },
          baseUrl: emulator.url,
          retry: { maxAttempts: 1, baseDelayMillis: 10, maxDelayMillis: 50 }
        })
        return yield* RefundClient.make(bound)
      }).pipe(Effect.provide(FetchHttpClient.layer))
      const payment = yield* Effect.promise(() => emulator.createPayment({ amount: 100_000, currency: "usd" }))
      // Whole seconds from here on; the window is [start + 2 s, start + 6 s).
      const start = (Math.floor(emulator.clock.now() / 1000) + 10) * 1000
      yield* Effect.promise(() => emulator.clock.setTime(start))
      const createdAt = new Map<string, number>()
      const refundAt = (second: number, n: number) =>
        Effect.gen(function*() {
          yield* Effect.promise(() => emulator.clock.setTime(start + second * 1000))
          const refund = yield* refunds.create({
            merchantRefundId: `list-${second}-${n}`,
            connectorTransactionId: payment,
            amount: { amount: 100, currency: "USD" }
          })
          createdAt.set(refund.connectorRefundId, start + second * 1000)
        })
      // before, at from (3 refunds in that second: ties across a page boundary), inside, the last second, at to, after
      for (const [second, count] of [[1, 2], [2, 3], [3, 1], [4, 2], [5, 1], [6, 2], [7, 1]] as const) {
        for (let n = 0; n < count; n++) yield* refundAt(second, n)
      }
      // Let the first refunds succeed, so the listing shows their ARN.
      yield* Effect.promise(() => emulator.clock.advance(60 * 60 * 1000))
      const target = { from: start + 2_000, to: start + 6_000 }
      const expected = [...createdAt].filter(([, at]) => at >= target.from && at < target.to).map(([id]) => id)
      assert.lengthOf(expected, 7)

      const pages = yield* walk(target, 2)
      const listed = pages.flatMap((p) => p.refunds.map((r) => r.connectorRefundId))
      assert.strictEqual(new Set(listed).size, listed.length, `no refund twice: ${listed.join(", ")}`)
      assert.sameMembers(listed, expected)
      assert.strictEqual(pages.length, 4, "7 refunds at 2 a page")
      for (const page of pages.slice(0, -1)) assert.isDefined(page.next)
      assert.isUndefined(pages.at(-1)!.next)
      // Every snapshot is a refund of the payment, with its merchant refund id from metadata.
      for (const snapshot of pages.flatMap((p) => p.refunds)) {
        assert.strictEqual(snapshot.connectorTransactionId, payment)
        assert.match(snapshot.merchantRefundId ?? "", /^list-[2-5]-\d$/)
        if (snapshot.status === "Succeeded") {
          assert.match(snapshot.settlement?.traceReference ?? "", /^\d{12}$/)
          assert.strictEqual(snapshot.settlement?.traceReferenceType, "acquirer_reference_number")
        }
      }
      assert.isTrue(pages.flatMap((p) => p.refunds).some((s) => s.settlement !== undefined), "the emulator shows an ARN once succeeded")
      // One request per page, each the documented parameters.
      const sent = emulator.requests().filter((r) => r.method === "GET" && r.path === "/v1/refunds")
      assert.lengthOf(sent, 4)

      // A page size of 100 takes one page; a window with nothing in it is one empty page.
      const one = yield* walk(target, 100)
      assert.lengthOf(one, 1)
      assert.sameMembers(one[0]!.refunds.map((r) => r.connectorRefundId), expected)
      const none = yield* walk({ from: start + 100_000, to: start + 200_000 }, 10)
      assert.deepStrictEqual(none.map((p) => p.refunds.length), [0])
    }))
})
