import { assert, describe, it } from "@effect/vitest"
import { Money } from "@refract/core"
import { Option } from "effect"
import { CheckoutConnector, connector } from "@refract/checkout"
import { failure, ok, response } from "@refract/testkit/connector/ConnectorTest"
import { actionId, buildContext, createContext, createRequest, fixtureJson, fixtureText, paymentId, reference, refundId } from "./helpers/Fixtures.ts"

const parseCreate = (body: unknown, status = 202) => connector.create.parse(response(status, body), createRequest(), createContext())
const parseGet = (fixture: string, ref = reference()) => connector.get!.parse(response(200, fixtureText(fixture)), ref, buildContext)
const lookup = (body: unknown, merchantRefundId = "order-42-r1") =>
  connector.lookup!.parse(response(200, body), { merchantRefundId, connectorTransactionId: paymentId }, buildContext)

describe("create answer (202 Accepted)", () => {
  it("is Pending, with the composite refund id and the requested amount", () => {
    const snapshot = ok(parseCreate(fixtureText("refund-accepted.json")))
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(snapshot.connectorTransactionId, paymentId)
    assert.strictEqual(snapshot.merchantRefundId, "order-42-r1")
    assert.strictEqual(snapshot.status, "Pending")
    assert.strictEqual(snapshot.rawStatus, CheckoutConnector.ACCEPTED)
    assert.isTrue(Money.equals(snapshot.amount!, Money.make(1050, "EUR")))
  })

  it("accepts an answer without reference", () => {
    assert.strictEqual(ok(parseCreate({ action_id: actionId })).connectorRefundId, refundId)
    assert.strictEqual(ok(parseCreate({ action_id: actionId, reference: null })).connectorRefundId, refundId)
  })

  it("an answer for another reference is UnexpectedResponse", () => {
    const reason = failure(parseCreate({ action_id: actionId, reference: "someone-else" }))
    assert.strictEqual(reason._tag, "UnexpectedResponse")
  })

  it("a missing or malformed action id, or a body that is not JSON, is UnexpectedResponse", () => {
    for (const body of [{ reference: "order-42-r1" }, { action_id: "pay_awlo4m4phelezkhsj4egc6d35q" }, { action_id: 42 }, "{\"action_id\":\"act_rzy3", "", "[]"]) {
      assert.strictEqual(failure(parseCreate(body))._tag, "UnexpectedResponse", JSON.stringify(body))
    }
  })
})

describe("status from the payment's actions", () => {
  it("approved: true → Succeeded, processed_on → occurredAt", () => {
    const snapshot = ok(parseGet("actions-refund-approved.json"))
    assert.strictEqual(snapshot.status, "Succeeded")
    assert.strictEqual(snapshot.rawStatus, "approved")
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(snapshot.connectorTransactionId, paymentId)
    assert.strictEqual(snapshot.merchantRefundId, "order-42-r1")
    assert.strictEqual(snapshot.occurredAt, Date.UTC(2026, 10, 20, 10, 30, 48, 123))
    assert.isUndefined(snapshot.failure)
    assert.isUndefined(snapshot.amount, "an action carries no currency")
  })

  it("processing.acquirer_reference_number → settlement.traceReference (arn)", () => {
    const snapshot = ok(parseGet("actions-refund-approved.json"))
    assert.deepStrictEqual({ ...snapshot.settlement }, { traceReference: "24021219099007452440793", traceReferenceType: "arn" })
    assert.isUndefined(ok(parseGet("actions-refund-declined.json")).settlement)
    const odd = (processing: unknown) => {
      const [refund, ...rest] = fixtureJson("actions-refund-approved.json")
      return ok(connector.get!.parse(response(200, [{ ...refund, processing }, ...rest]), reference(), buildContext)).settlement
    }
    for (const processing of [null, "x", [], {}, { acquirer_reference_number: 42 }, { acquirer_reference_number: " " }]) {
      assert.isUndefined(odd(processing))
    }
  })

  it("approved: false → Failed with response_code and response_summary", () => {
    const snapshot = ok(parseGet("actions-refund-declined.json"))
    assert.strictEqual(snapshot.status, "Failed")
    assert.strictEqual(snapshot.rawStatus, "declined")
    assert.strictEqual(snapshot.failure?.code, "20006")
    assert.strictEqual(snapshot.failure?.message, "Error / Invalid Request Parameters")
  })

  it("listed with approved null → Pending (\"pending\")", () => {
    const snapshot = ok(parseGet("actions-refund-pending.json"))
    assert.strictEqual(snapshot.status, "Pending")
    assert.strictEqual(snapshot.rawStatus, "pending")
  })

  it("not listed yet → Pending (\"action_not_found\"): Checkout processes refunds asynchronously", () => {
    const snapshot = ok(parseGet("actions-refund-missing.json"))
    assert.strictEqual(snapshot.status, "Pending")
    assert.strictEqual(snapshot.rawStatus, CheckoutConnector.ACTION_NOT_FOUND)
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(ok(connector.get!.parse(response(200, "[]"), reference(), buildContext)).rawStatus, "action_not_found")
  })

  it("unknown shapes are Unknown with what was seen, never a guess", () => {
    const weird = ok(parseGet("actions-refund-unknown-approved.json"))
    assert.strictEqual(weird.status, "Unknown")
    assert.strictEqual(weird.rawStatus, "approved:\"partially\"")
    const wrongType = ok(parseGet("actions-wrong-type.json"))
    assert.strictEqual(wrongType.status, "Unknown")
    assert.strictEqual(wrongType.rawStatus, "action_type:Void")
    const unreadable = ok(parseGet("actions-unreadable.json"))
    assert.strictEqual(unreadable.status, "Unknown")
    assert.strictEqual(unreadable.rawStatus, "unreadable_action")
  })

  it("a body that is not an actions array is UnexpectedResponse", () => {
    assert.strictEqual(failure(parseGet("actions-malformed.json"))._tag, "UnexpectedResponse")
    for (const body of ["", "not json", "{\"id\":\"act_1\"}", "null", "[{\"id\":\"act_rzy3fx"]) {
      assert.strictEqual(failure(connector.get!.parse(response(200, body), reference(), buildContext))._tag, "UnexpectedResponse", body)
    }
  })

  it("other elements that do not decode do not matter", () => {
    const body = [{ weird: true }, 42, null, ...fixtureJson("actions-refund-approved.json")]
    assert.strictEqual(ok(connector.get!.parse(response(200, body), reference(), buildContext)).status, "Succeeded")
  })

  it("a timestamp that is not an ISO date-time is ignored", () => {
    const [refund] = fixtureJson("actions-refund-approved.json")
    for (const processed_on of ["yesterday", "2026-11-20", null, 1763634648]) {
      const snapshot = ok(connector.get!.parse(response(200, [{ ...refund, processed_on }]), reference(), buildContext))
      assert.isUndefined(snapshot.occurredAt, String(processed_on))
    }
  })
})

describe("lookup by merchant refund id (the action's reference)", () => {
  it("finds the Refund action with that reference", () => {
    const found = ok(lookup(fixtureText("actions-refund-approved.json")))
    assert.isTrue(Option.isSome(found))
    const snapshot = Option.getOrThrow(found)
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(snapshot.status, "Succeeded")
    assert.strictEqual(snapshot.merchantRefundId, "order-42-r1")
  })

  it("none when no Refund action has it (an Authorization's reference does not count)", () => {
    assert.isTrue(Option.isNone(ok(lookup(fixtureText("actions-refund-missing.json")))))
    assert.isTrue(Option.isNone(ok(lookup(fixtureText("actions-refund-approved.json"), "ORD-5023-4E89"))))
    assert.isTrue(Option.isNone(ok(lookup("[]"))))
  })

  it("among several with the same reference, a succeeded refund wins over a newer declined one", () => {
    const snapshot = Option.getOrThrow(ok(lookup(fixtureText("actions-lookup-several.json"))))
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(snapshot.status, "Succeeded")
    const other = Option.getOrThrow(ok(lookup(fixtureText("actions-lookup-several.json"), "order-42-r2")))
    assert.strictEqual(other.connectorRefundId, `${paymentId}:act_otherrefundbbbbbbbbbbbbbbb`)
  })

  it("a pending refund is found as Pending", () => {
    assert.strictEqual(Option.getOrThrow(ok(lookup(fixtureText("actions-refund-pending.json")))).status, "Pending")
  })

  it("a body that is not an actions array is UnexpectedResponse", () => {
    assert.strictEqual(failure(lookup(fixtureText("actions-malformed.json")))._tag, "UnexpectedResponse")
  })
})
