import { describe, expect, it } from "@effect/vitest"
import { Money } from "@refract/core"
import { Result } from "effect"
import { connector, PayPalSchema, PayPalWebhook } from "@refract/paypal"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { buildContext, captureId, createContext, createRequest, fixtureText, reference, refundId } from "./helpers.ts"

const parseGet = (fixture: string, ref = reference({ connectorRefundId: refundId })) =>
  connector.get!.parse(response(200, fixtureText(fixture)), ref, buildContext)

const parseCreate = (fixture: string, input = createRequest()) =>
  connector.create.parse(response(201, fixtureText(fixture)), input, createContext())

const ok = <A>(result: Result.Result<A, { readonly _tag: string; readonly message: string }>): A => {
  if (Result.isFailure(result)) throw new Error(`${result.failure._tag}: ${result.failure.message}`)
  return result.success
}

const fails = <A>(result: Result.Result<A, { readonly _tag: string; readonly message: string }>) => {
  if (Result.isSuccess(result)) throw new Error("expected a failure")
  return result.failure
}

describe("status mapping", () => {
  it("maps every documented PayPal status; anything else is Unknown with the raw string", () => {
    expect(PayPalWebhook.statusOf("PENDING")).toEqual({ status: "Pending", rawStatus: "PENDING" })
    expect(PayPalWebhook.statusOf("COMPLETED")).toEqual({ status: "Succeeded", rawStatus: "COMPLETED" })
    expect(PayPalWebhook.statusOf("FAILED")).toEqual({ status: "Failed", rawStatus: "FAILED" })
    expect(PayPalWebhook.statusOf("CANCELLED")).toEqual({ status: "Cancelled", rawStatus: "CANCELLED" })
    expect(PayPalWebhook.statusOf("completed")).toEqual({ status: "Unknown", rawStatus: "completed" })
    expect(PayPalWebhook.statusOf("PARTIALLY_REFUNDED")).toEqual({ status: "Unknown", rawStatus: "PARTIALLY_REFUNDED" })
    expect(PayPalWebhook.statusOf(undefined)).toEqual({ status: "Unknown", rawStatus: "missing" })
  })
})

describe("get answers", () => {
  it("COMPLETED → Succeeded with amount, capture, invoice id and times", () => {
    const snapshot = ok(parseGet("refund-completed.json"))
    expect(snapshot.connectorRefundId).toBe(refundId)
    expect(snapshot.connectorTransactionId).toBe(captureId)
    expect(snapshot.merchantRefundId).toBe("order-42-r1")
    expect(snapshot.status).toBe("Succeeded")
    expect(snapshot.rawStatus).toBe("COMPLETED")
    expect(Money.equals(snapshot.amount!, Money.make(1_050, "USD"))).toBe(true)
    expect(snapshot.occurredAt).toBe(Date.parse("2026-11-20T18:15:31Z"))
    expect(snapshot.createdAt).toBe(Date.parse("2026-11-20T18:15:30Z"))
    expect(snapshot.failure).toBeUndefined()
  })

  it("PENDING → Pending with status_details.reason", () => {
    const snapshot = ok(parseGet("refund-pending.json"))
    expect(snapshot.status).toBe("Pending")
    expect(snapshot.reason).toBe("ECHECK")
  })

  it("FAILED → Failed with the reason as failure code", () => {
    const snapshot = ok(parseGet("refund-failed.json"))
    expect(snapshot.status).toBe("Failed")
    expect(snapshot.failure?.code).toBe("ECHECK")
    expect(snapshot.occurredAt).toBe(Date.parse("2026-11-21T09:00:00Z"))
  })

  it("CANCELLED → Cancelled (fractional seconds kept)", () => {
    const snapshot = ok(parseGet("refund-cancelled.json"))
    expect(snapshot.status).toBe("Cancelled")
    expect(snapshot.occurredAt).toBe(Date.parse("2026-11-21T09:30:00.123Z"))
  })

  it("an unknown status is Unknown with the raw string, never a guess", () => {
    const snapshot = ok(parseGet("refund-status-unknown.json"))
    expect(snapshot.status).toBe("Unknown")
    expect(snapshot.rawStatus).toBe("PARTIALLY_REVERSED")
  })

  it("the reference's capture id is used when the answer has no up link", () => {
    const snapshot = ok(connector.get!.parse(
      response(200, { id: refundId, status: "COMPLETED" }),
      reference({ connectorRefundId: refundId, connectorTransactionId: captureId }),
      buildContext
    ))
    expect(snapshot.connectorTransactionId).toBe(captureId)
    expect(snapshot.amount).toBeUndefined()
  })

  it("acquirer_reference_number → settlement.traceReference (arn); absent → no settlement", () => {
    const body = { ...JSON.parse(fixtureText("refund-completed.json")), acquirer_reference_number: "24021219099007452440793" }
    const snapshot = ok(connector.get!.parse(response(200, body), reference({ connectorRefundId: refundId }), buildContext))
    expect(snapshot.settlement).toEqual({ traceReference: "24021219099007452440793", traceReferenceType: "arn" })
    expect(ok(parseGet("refund-completed.json")).settlement).toBeUndefined()
  })

  it("an answer for another refund is UnexpectedResponse", () => {
    expect(fails(parseGet("refund-completed.json", reference("9XY08902781691411")))._tag).toBe("UnexpectedResponse")
  })

  it("JPY, KWD, TND and HUF amounts convert exactly to minor units", () => {
    expect(ok(parseGet("refund-jpy.json")).amount).toEqual(Money.make(1_050, "JPY"))
    expect(ok(parseGet("refund-kwd.json")).amount).toEqual(Money.make(1_050, "KWD"))
    expect(ok(parseGet("refund-tnd.json")).amount).toEqual(Money.make(1_234, "TND"))
    expect(ok(parseGet("refund-huf.json")).amount).toEqual(Money.make(105_000, "HUF"))
  })

  it("malformed bodies are UnexpectedResponse, never a throw", () => {
    for (const fixture of ["refund-malformed.json", "refund-too-many-decimals.json", "refund-negative-amount.json", "refund-numeric-amount.json"]) {
      const reason = fails(parseGet(fixture))
      expect(reason._tag).toBe("UnexpectedResponse")
    }
    for (const body of ["", "{", "null", "[]", "{\"id\":17}", "<html>502</html>"]) {
      expect(fails(connector.get!.parse(response(200, body), reference(refundId), buildContext))._tag).toBe("UnexpectedResponse")
    }
  })
})

describe("create answers", () => {
  it("201 with return=representation → the refund's state", () => {
    const snapshot = ok(parseCreate("refund-pending.json"))
    expect(snapshot.status).toBe("Pending")
    expect(snapshot.connectorRefundId).toBe(refundId)
    expect(snapshot.connectorTransactionId).toBe(captureId)
    expect(snapshot.amount).toEqual(Money.make(1_050, "USD"))
  })

  it("a minimal answer (id, status, links) still gives a snapshot", () => {
    const snapshot = ok(parseCreate("refund-minimal.json"))
    expect(snapshot.status).toBe("Pending")
    expect(snapshot.amount).toBeUndefined()
    expect(snapshot.connectorTransactionId).toBe(captureId)
  })

  it("a refund of another capture is UnexpectedResponse", () => {
    const reason = fails(parseCreate("refund-completed.json", createRequest({ connectorTransactionId: "9ZZ279541U471931P" })))
    expect(reason._tag).toBe("UnexpectedResponse")
  })

  it("an amount with too many decimals is UnexpectedResponse", () => {
    expect(fails(parseCreate("refund-too-many-decimals.json"))._tag).toBe("UnexpectedResponse")
  })
})

describe("schema helpers", () => {
  it("captureIdOf reads the up link only", () => {
    expect(PayPalSchema.captureIdOf([{ rel: "self", href: "https://api.paypal.com/v2/payments/captures/AAAAAAAAAAAAAAAAA" }])).toBeUndefined()
    expect(PayPalSchema.captureIdOf([{ rel: "up", href: "https://api.paypal.com/v2/payments/captures/2GG279541U471931P" }])).toBe(captureId)
    expect(PayPalSchema.captureIdOf([{ rel: "up", href: "https://api.paypal.com/v2/checkout/orders/5O190127TN364715T" }])).toBeUndefined()
    expect(PayPalSchema.captureIdOf(undefined)).toBeUndefined()
  })

  it("timeOf reads RFC 3339 only", () => {
    expect(PayPalSchema.timeOf("2026-11-20T10:15:30-08:00")).toBe(Date.parse("2026-11-20T18:15:30Z"))
    expect(PayPalSchema.timeOf("2026-11-20T18:15:30Z")).toBe(Date.parse("2026-11-20T18:15:30Z"))
    expect(PayPalSchema.timeOf("yesterday")).toBeUndefined()
    expect(PayPalSchema.timeOf("1700000000")).toBeUndefined()
    expect(PayPalSchema.timeOf(undefined)).toBeUndefined()
  })
})
