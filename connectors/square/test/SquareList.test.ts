/**
 * Listing refunds over a window (reconciliation): the pure request builder and page parser, then the
 * whole walk through core's pipeline against the Square emulator, page by page until `next` is absent.
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { BoundConnector, Executor, RefundClient } from "@refract/core"
import type { Connector, Refund } from "@refract/core"
import { Effect, Result } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { SquareEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { SquareConnector, connector } from "@refract/square"
import { buildContext, completedRefundId, fixtureJson, fixtureText, refundId } from "./helpers.ts"

const list = connector.list!

/** 2021-10-13T19:00:00Z .. 22:00:00Z. */
const window = { from: Date.UTC(2021, 9, 13, 19), to: Date.UTC(2021, 9, 13, 22) }
const request = (over: Partial<Connector.ListRequest> = {}): Connector.ListRequest => ({ window, pageSize: 100, ...over })

const ok = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) assert.fail(`expected success, got ${JSON.stringify(result.failure)}`)
  return result.success
}
const failure = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) assert.fail(`expected failure, got ${JSON.stringify(result.success)}`)
  return result.failure
}

describe("list: declaration", () => {
  it("lists 100 a page with a lag for Square's eventual consistency", () => {
    assert.isTrue(connector.capabilities.list)
    assert.isFalse(connector.capabilities.reports)
    assert.strictEqual(list.maxPageSize, 100)
    assert.strictEqual(list.lagMillis, 60_000)
    assert.isUndefined(list.maxWindowMillis)
  })
})

describe("list.page.build", () => {
  it("GET /v2/refunds with begin_time/end_time in RFC 3339, oldest first, the page size, no location", () => {
    assert.deepStrictEqual(ok(list.page.build(request({ pageSize: 40 }), buildContext)), {
      method: "GET",
      path: "/v2/refunds",
      query: {
        begin_time: "2021-10-13T19:00:00.000Z",
        end_time: "2021-10-13T22:00:00.000Z",
        sort_order: "ASC",
        limit: "40"
      }
    })
  })

  it("sends Square's cursor back unchanged", () => {
    const built = ok(list.page.build(request({ cursor: "c2FtcGxlLWN1cnNvcg==" }), buildContext))
    assert.strictEqual(built.query?.["cursor"], "c2FtcGxlLWN1cnNvcg==")
    assert.strictEqual(built.query?.["begin_time"], "2021-10-13T19:00:00.000Z", "the same query as the first page")
  })

  it("refuses an empty window, a page size Square does not take and a cursor that is not a query value", () => {
    for (const w of [{ from: window.to, to: window.from }, { from: window.from, to: window.from }, { from: -1, to: window.to }]) {
      assert.strictEqual(failure(list.page.build(request({ window: w }), buildContext))._tag, "InvalidRequest", JSON.stringify(w))
    }
    for (const pageSize of [0, 101, 2.5]) {
      assert.strictEqual((failure(list.page.build(request({ pageSize }), buildContext)) as { field?: string }).field, "pageSize")
    }
    for (const cursor of ["", "a b", "a\nb"]) {
      assert.strictEqual((failure(list.page.build(request({ cursor }), buildContext)) as { field?: string }).field, "cursor")
    }
  })
})

describe("list.page.parse", () => {
  const parse = (body: unknown, input = request(), status = 200) => list.page.parse(response(status, body), input, buildContext)

  it("reads every PaymentRefund through the status mapping, with its raw object; next = Square's cursor", () => {
    const page = ok(parse(fixtureText("list-page.json")))
    assert.strictEqual(page.next, "c2FtcGxlLWN1cnNvcg")
    assert.lengthOf(page.refunds, 3)
    const [completed, unknown, pending] = page.refunds as [Refund.RefundSnapshot, Refund.RefundSnapshot, Refund.RefundSnapshot]
    assert.strictEqual(completed.connectorRefundId, completedRefundId)
    assert.strictEqual(completed.status, "Succeeded")
    assert.strictEqual(completed.rawStatus, "COMPLETED")
    assert.strictEqual(completed.createdAt, Date.parse("2021-10-13T19:59:05.073Z"))
    assert.strictEqual(completed.occurredAt, Date.parse("2021-10-13T20:00:02.442Z"), "a read's time is the refund's updated_at")
    assert.deepStrictEqual({ amount: completed.amount?.amount, currency: completed.amount?.currency }, { amount: 555, currency: "USD" })
    assert.strictEqual((completed.raw as { id?: string }).id, completedRefundId)
    assert.strictEqual(completed.merchantRefundId, undefined, "Square refunds do not carry the merchant refund id")
    assert.strictEqual(completed.metadata, undefined)
    // Square documents no trace reference, settlement date or payout on a PaymentRefund.
    assert.strictEqual(completed.settlement, undefined)
    assert.strictEqual(unknown.status, "Unknown")
    assert.strictEqual(unknown.rawStatus, "PROCESSING")
    assert.strictEqual(pending.connectorRefundId, refundId)
    assert.strictEqual(pending.status, "Pending")
  })

  it("the last page has no cursor (or an empty one); an empty page leaves refunds out", () => {
    const { cursor: _, ...last } = fixtureJson("list-page.json")
    assert.isUndefined(ok(parse(last)).next)
    assert.isUndefined(ok(parse({ ...last, cursor: "" })).next)
    assert.deepStrictEqual(ok(parse({})), { refunds: [] })
  })

  it("a refund created at the window's end (or before its start) is left out: end_time's inclusivity is not documented", () => {
    const body = fixtureJson("list-page.json")
    body.refunds[0].created_at = "2021-10-13T22:00:00.000Z"
    body.refunds[2].created_at = "2021-10-13T18:59:59.999Z"
    const page = ok(parse(body))
    assert.deepStrictEqual(page.refunds.map((r) => r.rawStatus), ["PROCESSING"])
    assert.strictEqual(page.next, "c2FtcGxlLWN1cnNvcg", "the cursor is Square's, whatever was left out")
    body.refunds[0].created_at = "2021-10-13T21:59:59.999Z"
    assert.lengthOf(ok(parse(body)).refunds, 2)
  })

  it("malformed bodies are UnexpectedResponse; a 200 with errors only is mapped like an error answer", () => {
    for (const body of ["not json", { refunds: {} }, { refunds: [{ status: "COMPLETED" }] }, { refunds: [{ id: 42 }] }, { cursor: 7 }]) {
      assert.strictEqual(failure(parse(body))._tag, "UnexpectedResponse", JSON.stringify(body))
    }
    const limited = failure(parse({ errors: [{ category: "RATE_LIMIT_ERROR", code: "RATE_LIMITED", detail: "slow down" }] }))
    assert.strictEqual(limited._tag, "RateLimited")
  })

  it("a list error maps through mapError with operation list", () => {
    const mapped = connector.mapError(
      response(400, { errors: [{ category: "INVALID_REQUEST_ERROR", code: "INVALID_CURSOR", detail: "The cursor is invalid.", field: "cursor" }] }),
      "list",
      0
    )
    assert.strictEqual(mapped.processorCode, "INVALID_CURSOR")
    assert.strictEqual(mapped.reason._tag, "InvalidRequest")
  })

  it("rfc3339 is UTC with milliseconds", () => {
    assert.strictEqual(SquareConnector.rfc3339(0), "1970-01-01T00:00:00.000Z")
  })
})

describe("list against the Square emulator, through core's pipeline", () => {
  let emulator: EmulatorHandle

  beforeAll(async () => {
    emulator = await SquareEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })
  beforeEach(() => emulator.reset())

  const bound = () =>
    BoundConnector.bind(connector, {
      credentials: { accessToken: emulator.credentials["accessToken"]! },
      baseUrl: emulator.url,
      retry: { maxAttempts: 1, baseDelayMillis: 10, maxDelayMillis: 50 }
    })

  const walk = (target: Connector.ListWindow, pageSize: number) =>
    Effect.gen(function*() {
      const b = yield* bound()
      const http = yield* HttpClient.HttpClient
      const context = { credentials: b.credentials, environment: b.environment }
      const pages: Array<Connector.ListPage> = []
      let cursor: string | undefined
      do {
        const page = yield* Executor.runWith(http, b, {
          operation: "list",
          flow: list.page,
          input: { window: target, pageSize, ...(cursor !== undefined ? { cursor } : {}) },
          context
        })
        pages.push(page)
        cursor = page.next
        if (pages.length > 50) assert.fail("the listing never ends")
      } while (cursor !== undefined)
      return pages
    }).pipe(Effect.provide(FetchHttpClient.layer))

  it.live("every refund created in the window appears exactly once, none from outside it (to exclusive, to the millisecond)", () =>
    Effect.gen(function*() {
      const refunds = yield* Effect.flatMap(bound(), RefundClient.make).pipe(Effect.provide(FetchHttpClient.layer))
      const payment = yield* Effect.promise(() => emulator.createPayment({ amount: 100_000, currency: "USD" }))
      const start = (Math.floor(emulator.clock.now() / 1000) + 10) * 1000
      const createdAt = new Map<string, number>()
      let n = 0
      const refundAt = (at: number) =>
        Effect.gen(function*() {
          if (at > emulator.clock.now()) yield* Effect.promise(() => emulator.clock.setTime(at))
          const refund = yield* refunds.create({
            merchantRefundId: `sq-list-${n++}`,
            connectorTransactionId: payment,
            amount: { amount: 100, currency: "USD" }
          })
          createdAt.set(refund.connectorRefundId, at)
        })
      const target = { from: start + 2_000, to: start + 6_000 }
      // before; at from (twice); inside; the last millisecond; at to (excluded); after
      for (const at of [start + 1_000, target.from, target.from, start + 3_000, start + 4_500, start + 5_000, target.to - 1, target.to, start + 7_000]) {
        yield* refundAt(at)
      }
      yield* Effect.promise(() => emulator.clock.advance(60 * 60 * 1000))
      const expected = [...createdAt].filter(([, at]) => at >= target.from && at < target.to).map(([id]) => id)
      assert.lengthOf(expected, 6)

      const pages = yield* walk(target, 2)
      const listed = pages.flatMap((p) => p.refunds.map((r) => r.connectorRefundId))
      assert.strictEqual(new Set(listed).size, listed.length, `no refund twice: ${listed.join(", ")}`)
      assert.sameMembers(listed, expected)
      assert.isUndefined(pages.at(-1)!.next)
      for (const snapshot of pages.flatMap((p) => p.refunds)) {
        assert.strictEqual(snapshot.connectorTransactionId, payment)
        assert.include(["Pending", "Succeeded"], snapshot.status)
      }
      // Oldest first.
      const times = pages.flatMap((p) => p.refunds.map((r) => r.createdAt!))
      assert.deepStrictEqual(times, times.toSorted((a, b) => a - b))

      const one = yield* walk(target, 100)
      assert.sameMembers(one.flatMap((p) => p.refunds.map((r) => r.connectorRefundId)), expected)
      const none = yield* walk({ from: start + 100_000, to: start + 200_000 }, 10)
      assert.deepStrictEqual(none.map((p) => p.refunds.length), [0])
    }))
})
