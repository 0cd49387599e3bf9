import { assert, describe, it } from "@effect/vitest"
import { Money } from "@refract/core"
import type { Refund, RefundError } from "@refract/core"
import { Result } from "effect"
import { SquareConnector, SquareSchema, SquareWebhook } from "@refract/square"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { completedPaymentId, completedRefundId, createRequest, fixtureText, paymentId, reference, refundId } from "./helpers.ts"

const ok = (result: Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason>): Refund.RefundSnapshot => {
  if (Result.isFailure(result)) assert.fail(`expected a snapshot, got ${result.failure._tag}: ${result.failure.message}`)
  return Result.getOrThrow(result)
}

const failed = (result: Result.Result<unknown, RefundError.RefundErrorReason>): RefundError.RefundErrorReason => {
  assert.isTrue(Result.isFailure(result), "expected a failure")
  return (result as Result.Failure<unknown, RefundError.RefundErrorReason>).failure
}

const refundWithMoney = (amount_money: unknown) =>
  JSON.stringify({ refund: { id: refundId, status: "PENDING", payment_id: paymentId, amount_money } })

const create = (fixture: string, input = createRequest()) => SquareConnector.parseCreate(response(200, fixtureText(fixture)), input)
const get = (fixture: string, id = completedRefundId) => SquareConnector.parseGet(response(200, fixtureText(fixture)), reference(id))

describe("parseCreate", () => {
  it("the spec's RefundPaymentResponse example is a Pending snapshot with everything in it", () => {
    const s = ok(create("refund-pending.json"))
    assert.strictEqual(s.connectorRefundId, refundId)
    assert.strictEqual(s.connectorTransactionId, paymentId)
    assert.strictEqual(s.merchantRefundId, "order-42-r1", "the create input's merchant refund id (Square does not keep it)")
    assert.isTrue(Money.equals(s.amount!, Money.make(1_000, "USD")))
    assert.strictEqual(s.status, "Pending")
    assert.strictEqual(s.rawStatus, "PENDING")
    assert.strictEqual(s.reason, "Example")
    assert.strictEqual(s.createdAt, Date.UTC(2021, 9, 13, 21, 23, 19, 116))
    assert.strictEqual(s.occurredAt, Date.UTC(2021, 9, 13, 21, 23, 19, 508), "updated_at is the time of this state")
    assert.isUndefined(s.failure)
  })

  it("a JPY refund keeps its zero-decimal amount", () => {
    const s = ok(create("refund-jpy.json", createRequest({ amount: { amount: 1_234, currency: "JPY" } })))
    assert.isTrue(Money.equals(s.amount!, Money.make(1_234, "JPY")))
  })

  it("200 with errors AND a FAILED refund: a Failed snapshot carrying the first error", () => {
    const s = ok(create("refund-failed-with-errors.json"))
    assert.strictEqual(s.status, "Failed")
    assert.strictEqual(s.rawStatus, "FAILED")
    assert.strictEqual(s.connectorRefundId, refundId)
    assert.strictEqual(s.failure?.code, "REFUND_DECLINED")
    assert.strictEqual(s.failure?.message, "The card issuer declined the refund.")
  })

  it("200 with errors and no refund: the errors are mapped (a decline is RefundRejected)", () => {
    const reason = failed(create("errors-only-200.json"))
    assert.strictEqual(reason._tag, "RefundRejected")
    assert.strictEqual(reason._tag === "RefundRejected" ? reason.kind : "", "Declined")
  })

  it("a refund of another payment than the one asked for is UnexpectedResponse", () => {
    const reason = failed(create("refund-pending.json", createRequest({ connectorTransactionId: "OtherPayment0000000000000000" })))
    assert.strictEqual(reason._tag, "UnexpectedResponse")
  })

  it("malformed and non-JSON bodies are UnexpectedResponse, never a throw", () => {
    for (const body of [fixtureText("refund-malformed.json"), "{\"refund\":", "<html>502</html>", "", "null", "[]", "{}"]) {
      const reason = failed(SquareConnector.parseCreate(response(200, body), createRequest()))
      assert.strictEqual(reason._tag, "UnexpectedResponse", body)
    }
  })

  it("an amount that is not a whole number of minor units, or an unknown currency, is UnexpectedResponse", () => {
    for (const money of [{ amount: 10.5, currency: "USD" }, { amount: -1, currency: "USD" }, { amount: 100, currency: "XYZ" }, { amount: 100 }]) {
      const reason = failed(SquareConnector.parseCreate(response(200, refundWithMoney(money)), createRequest()))
      assert.strictEqual(reason._tag, "UnexpectedResponse", JSON.stringify(money))
    }
  })
})

describe("parseGet and the status mapping", () => {
  it("the spec's GetPaymentRefundResponse example (COMPLETED) is Succeeded", () => {
    const s = ok(get("refund-completed.json"))
    assert.strictEqual(s.status, "Succeeded")
    assert.strictEqual(s.rawStatus, "COMPLETED")
    assert.strictEqual(s.connectorTransactionId, completedPaymentId)
    assert.isTrue(Money.equals(s.amount!, Money.make(555, "USD")))
    assert.strictEqual(s.reason, "Example Refund")
    assert.strictEqual(s.occurredAt, Date.UTC(2021, 9, 13, 20, 0, 2, 442))
    assert.isUndefined(s.merchantRefundId)
  })

  it("REJECTED and FAILED are Failed (no failure details invented)", () => {
    const rejected = ok(get("refund-rejected.json"))
    assert.strictEqual(rejected.status, "Failed")
    assert.strictEqual(rejected.rawStatus, "REJECTED")
    assert.isUndefined(rejected.failure)
    const failedRefund = ok(get("refund-failed.json"))
    assert.strictEqual(failedRefund.status, "Failed")
    assert.strictEqual(failedRefund.rawStatus, "FAILED")
  })

  it("an unknown status is Unknown with the raw string; null is Unknown \"null\"", () => {
    const unknown = ok(get("refund-status-unknown.json"))
    assert.strictEqual(unknown.status, "Unknown")
    assert.strictEqual(unknown.rawStatus, "PROCESSING")
    const none = ok(get("refund-status-null.json"))
    assert.strictEqual(none.status, "Unknown")
    assert.strictEqual(none.rawStatus, "null")
  })

  it("statusOf covers every documented status and never guesses", () => {
    assert.deepStrictEqual(SquareWebhook.statusOf("PENDING"), { status: "Pending", rawStatus: "PENDING" })
    assert.deepStrictEqual(SquareWebhook.statusOf("COMPLETED"), { status: "Succeeded", rawStatus: "COMPLETED" })
    assert.deepStrictEqual(SquareWebhook.statusOf("REJECTED"), { status: "Failed", rawStatus: "REJECTED" })
    assert.deepStrictEqual(SquareWebhook.statusOf("FAILED"), { status: "Failed", rawStatus: "FAILED" })
    for (const raw of ["APPROVED", "pending", "completed", "CANCELED", ""]) {
      assert.deepStrictEqual(SquareWebhook.statusOf(raw), { status: "Unknown", rawStatus: raw })
    }
    assert.deepStrictEqual(SquareWebhook.statusOf(undefined), { status: "Unknown", rawStatus: "null" })
  })

  it("an answer for another refund id is UnexpectedResponse", () => {
    assert.strictEqual(failed(get("refund-completed.json", refundId))._tag, "UnexpectedResponse")
  })

  it("a malformed body is UnexpectedResponse", () => {
    assert.strictEqual(failed(get("refund-malformed.json"))._tag, "UnexpectedResponse")
  })
})

describe("RFC 3339 timestamps", () => {
  it("milliseconds, nanoseconds (truncated), offsets and garbage", () => {
    assert.strictEqual(SquareSchema.toEpochMillis("2020-02-06T21:27:41.836Z"), Date.UTC(2020, 1, 6, 21, 27, 41, 836))
    assert.strictEqual(SquareSchema.toEpochMillis("2022-07-13T20:30:59.037339943Z"), Date.UTC(2022, 6, 13, 20, 30, 59, 37))
    assert.strictEqual(SquareSchema.toEpochMillis("2016-02-12T00:28:18Z"), Date.UTC(2016, 1, 12, 0, 28, 18))
    assert.strictEqual(SquareSchema.toEpochMillis("2021-10-13T14:23:19.1-07:00"), Date.UTC(2021, 9, 13, 21, 23, 19, 100))
    for (const bad of [undefined, null, "", "yesterday", "2021-13-01T00:00:00Z", "2021-10-13T14:23:19", "1634160199"]) {
      assert.isUndefined(SquareSchema.toEpochMillis(bad), String(bad))
    }
  })
})
