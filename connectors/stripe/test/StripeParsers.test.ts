import { assert, describe, it } from "@effect/vitest"
import type { Refund } from "@refract/core"
import { Option, Redacted, Result } from "effect"
import { StripeWebhook, connector } from "@refract/stripe"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { createRequest, fixtureJson, fixtureText, reference } from "./helpers/Fixtures.ts"

const ctx = { credentials: { apiKey: Redacted.make("sk_test_abc") }, environment: "sandbox" } as const
const createCtx = { ...ctx, idempotencyKey: "refract-order-42-r1" }

const request = createRequest({
  merchantRefundId: "order-42-r1",
  connectorTransactionId: "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n",
  amount: { amount: 1050, currency: "USD" },
  reason: "requested_by_customer"
})

const parseGet = (fixture: string, ref = reference(fixtureJson(fixture).id)) =>
  connector.get!.parse(response(200, fixtureText(fixture), { "Request-Id": "req_1" }), ref, ctx)

const snapshotOf = (result: Result.Result<Refund.RefundSnapshot, unknown>): Refund.RefundSnapshot => {
  if (Result.isFailure(result)) assert.fail(`expected a snapshot, got ${JSON.stringify(result.failure)}`)
  return result.success
}

describe("refund object parser", () => {
  it("create: a pending refund becomes a snapshot with money, ids, metadata and times", () => {
    const s = snapshotOf(connector.create.parse(response(200, fixtureText("refund-pending.json")), request, createCtx))
    assert.strictEqual(s.connectorRefundId, "re_3QbXc2LkdIwHu7ix0fN8sQ2m")
    // the caller's id wins when the refund belongs to it
    assert.strictEqual(s.connectorTransactionId, "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n")
    assert.strictEqual(s.merchantRefundId, "order-42-r1")
    assert.deepStrictEqual({ amount: s.amount?.amount, currency: s.amount?.currency }, { amount: 1050, currency: "USD" })
    assert.strictEqual(s.status, "Pending")
    assert.strictEqual(s.rawStatus, "pending")
    assert.strictEqual(s.reason, "requested_by_customer")
    assert.strictEqual(s.failure, undefined)
    assert.strictEqual(s.createdAt, 1763812800 * 1000)
    assert.strictEqual(s.occurredAt, 1763812800 * 1000)
  })

  it("maps every documented status", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["refund-pending.json", "Pending", "pending"],
      ["refund-requires_action.json", "RequiresAction", "requires_action"],
      ["refund-succeeded.json", "Succeeded", "succeeded"],
      ["refund-failed.json", "Failed", "failed"],
      ["refund-canceled.json", "Cancelled", "canceled"]
    ]
    for (const [fixture, status, raw] of cases) {
      const s = snapshotOf(parseGet(fixture))
      assert.strictEqual(s.status, status, fixture)
      assert.strictEqual(s.rawStatus, raw, fixture)
      assert.strictEqual(s.occurredAt, undefined, "a status read has no processor time for the state")
    }
  })

  it("null and unknown statuses are Unknown with the raw string, never a guess", () => {
    const nullStatus = snapshotOf(parseGet("refund-status-null.json"))
    assert.strictEqual(nullStatus.status, "Unknown")
    assert.strictEqual(nullStatus.rawStatus, "null")
    const unknown = snapshotOf(parseGet("refund-status-unknown.json"))
    assert.strictEqual(unknown.status, "Unknown")
    assert.strictEqual(unknown.rawStatus, "on_hold")
    assert.strictEqual(StripeWebhook.statusOf("Succeeded").status, "Unknown", "statuses are case-sensitive")
    assert.strictEqual(StripeWebhook.statusOf(undefined).status, "Unknown")
  })

  it("failed refunds carry failure_reason as failure.code", () => {
    const s = snapshotOf(parseGet("refund-failed.json"))
    assert.strictEqual(s.failure?.code, "expired_or_canceled_card")
  })

  it("currencies keep their exponent: JPY 5000 is ¥5000, KWD 1234 is 1.234", () => {
    const jpy = snapshotOf(parseGet("refund-requires_action.json"))
    assert.strictEqual(jpy.amount?.currency, "JPY")
    assert.strictEqual(jpy.amount?.amount, 5000)
    assert.strictEqual(jpy.amount?.decimal, "5000")
    const kwd = snapshotOf(parseGet("refund-kwd.json"))
    assert.strictEqual(kwd.amount?.decimal, "1.234")
  })

  it("transaction id: payment intent by default, the caller's when given, expanded objects read", () => {
    assert.strictEqual(snapshotOf(parseGet("refund-pending.json")).connectorTransactionId, "pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y")
    const withCharge = parseGet(
      "refund-pending.json",
      reference({ connectorRefundId: "re_3QbXc2LkdIwHu7ix0fN8sQ2m", connectorTransactionId: "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n" })
    )
    assert.strictEqual(snapshotOf(withCharge).connectorTransactionId, "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n")
    const stranger = parseGet("refund-pending.json", reference({ connectorRefundId: "re_3QbXc2LkdIwHu7ix0fN8sQ2m", connectorTransactionId: "ch_other" }))
    assert.strictEqual(snapshotOf(stranger).connectorTransactionId, "pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y")
    assert.strictEqual(snapshotOf(parseGet("refund-expanded-charge.json")).connectorTransactionId, "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n")
  })

  it("an unknown currency is UnexpectedResponse", () => {
    const result = parseGet("refund-unknown-currency.json")
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure._tag, "UnexpectedResponse")
      assert.include(result.failure.message, "xyz")
    }
  })

  it("an ISK or MGA refund is UnexpectedResponse rather than an amount off by 100x", () => {
    for (const currency of ["isk", "mga"]) {
      const body = JSON.stringify({ ...fixtureJson("refund-pending.json"), currency, amount: 500000 })
      const result = connector.create.parse(response(200, body), request, createCtx)
      assert.isTrue(Result.isFailure(result) && result.failure._tag === "UnexpectedResponse", currency)
    }
  })

  it("bodies that do not decode are UnexpectedResponse, never a throw", () => {
    const bodies = [
      fixtureText("refund-malformed.json"),
      "",
      "<html>502 Bad Gateway</html>",
      "null",
      "[]",
      JSON.stringify({ id: "re_1", object: "charge", amount: 1, currency: "usd", created: 1, status: "pending" }),
      JSON.stringify({ ...fixtureJson("refund-pending.json"), amount: -5 }),
      JSON.stringify({ ...fixtureJson("refund-pending.json"), amount: 10.5 }),
      JSON.stringify({ ...fixtureJson("refund-pending.json"), id: "re 1" }),
      JSON.stringify({ ...fixtureJson("refund-pending.json"), metadata: { merchant_refund_id: 5 } })
    ]
    for (const body of bodies) {
      const created = connector.create.parse(response(200, body), request, createCtx)
      assert.isTrue(Result.isFailure(created), body)
      if (Result.isFailure(created)) assert.strictEqual(created.failure._tag, "UnexpectedResponse", body)
    }
  })

  it("an absurd created is dropped (never Infinity); a refund without created still parses", () => {
    const absurd = snapshotOf(
      connector.create.parse(response(200, JSON.stringify({ ...fixtureJson("refund-pending.json"), created: 1e306 })), request, createCtx)
    )
    assert.isUndefined(absurd.occurredAt)
    assert.isUndefined(absurd.createdAt)
    const { created: _, ...withoutCreated } = fixtureJson("refund-pending.json")
    const missing = snapshotOf(connector.create.parse(response(200, JSON.stringify(withoutCreated)), request, createCtx))
    assert.strictEqual(missing.status, "Pending")
    assert.isUndefined(missing.createdAt)
  })

  it("get refuses an answer about another refund", () => {
    const result = connector.get!.parse(response(200, fixtureText("refund-pending.json")), reference("re_other"), ctx)
    assert.isTrue(Result.isFailure(result) && result.failure._tag === "UnexpectedResponse")
  })
})

const lookup = (fixture: string, merchantRefundId: string) =>
  connector.lookup!.parse(response(200, fixtureText(fixture)), { merchantRefundId, connectorTransactionId: "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n" }, ctx)

describe("lookup parser", () => {

  it("finds the refund by metadata[merchant_refund_id]", () => {
    const found = lookup("refund-list.json", "order-42-r1")
    assert.isTrue(Result.isSuccess(found))
    if (Result.isSuccess(found)) {
      assert.isTrue(Option.isSome(found.success))
      if (Option.isSome(found.success)) {
        assert.strictEqual(found.success.value.connectorRefundId, "re_3QbXc2LkdIwHu7ix0fN8sQ2m")
        assert.strictEqual(found.success.value.merchantRefundId, "order-42-r1")
        assert.strictEqual(found.success.value.connectorTransactionId, "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n")
      }
    }
  })

  it("answers none when the complete list has no match", () => {
    for (const fixture of ["refund-list.json", "refund-list-empty.json"]) {
      const none = lookup(fixture, "order-99-r1")
      assert.isTrue(Result.isSuccess(none) && Option.isNone(none.success), fixture)
    }
  })

  it("refuses to answer none when Stripe has more pages", () => {
    const result = lookup("refund-list-has-more.json", "order-99-r1")
    assert.isTrue(Result.isFailure(result) && result.failure._tag === "UnexpectedResponse")
    // a match on the first page is still a match
    const found = lookup("refund-list-has-more.json", "order-42-r0")
    assert.isTrue(Result.isSuccess(found) && Option.isSome(found.success))
  })

  it("a body that is not a list is UnexpectedResponse", () => {
    const result = connector.lookup!.parse(response(200, fixtureText("refund-pending.json")), { merchantRefundId: "x", connectorTransactionId: "ch_1" }, ctx)
    assert.isTrue(Result.isFailure(result) && result.failure._tag === "UnexpectedResponse")
  })
})

describe("cancel", () => {
  const id = fixtureJson("refund-canceled.json").id as string
  it("builds POST /v1/refunds/{id}/cancel with the call's idempotency key and an empty form", () => {
    const built = connector.cancel!.build(reference(id), { ...ctx, idempotencyKey: "refract-cancel-1" })
    if (Result.isFailure(built)) return assert.fail(built.failure.message)
    assert.strictEqual(built.success.method, "POST")
    assert.strictEqual(built.success.path, `/v1/refunds/${id}/cancel`)
    assert.deepStrictEqual(built.success.headers, { "Idempotency-Key": "refract-cancel-1" })
    assert.deepStrictEqual(built.success.body, { _tag: "Form", fields: [] })
  })

  it("refuses an id that is not a Stripe refund id before sending", () => {
    const built = connector.cancel!.build(reference("ch_123"), { ...ctx, idempotencyKey: "k" })
    assert.isTrue(Result.isFailure(built))
    if (Result.isFailure(built)) assert.strictEqual((built.failure as { field?: string }).field, "connectorRefundId")
  })

  it("reads the answer like a status read: canceled becomes Cancelled; another refund's answer is refused", () => {
    const s = snapshotOf(connector.cancel!.parse(response(200, fixtureText("refund-canceled.json")), reference(id), { ...ctx, idempotencyKey: "k" }))
    assert.strictEqual(s.status, "Cancelled")
    assert.strictEqual(s.rawStatus, "canceled")
    assert.strictEqual(s.connectorRefundId, id)
    const other = connector.cancel!.parse(response(200, fixtureText("refund-canceled.json")), reference("re_other"), { ...ctx, idempotencyKey: "k" })
    assert.isTrue(Result.isFailure(other))
  })
})
