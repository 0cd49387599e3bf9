import { describe, expect, it } from "@effect/vitest"
import { Money, ProcessorHttp, Refund } from "@refract/core"
import { Redacted, Result } from "effect"
import { connector, PayPalConnector, PayPalWebhook } from "@refract/paypal"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { buildContext, captureId, clientId, clientSecret, createContext, createRequest, credentials, fixtureJson, reference, refundId } from "./helpers.ts"

const build = (input = createRequest(), key = "refract-order-42-r1") => {
  const result = connector.create.build(input, createContext(key))
  if (Result.isFailure(result)) throw new Error(`expected a request, got ${result.failure._tag}: ${result.failure.message}`)
  return result.success
}

const failure = <A>(result: Result.Result<A, { readonly _tag: string }>) => {
  if (Result.isSuccess(result)) throw new Error("expected a failure")
  return result.failure as any
}

describe("create request", () => {
  it("POSTs the refund to the capture with PayPal-Request-Id, Prefer and the exact decimal amount", () => {
    expect(build()).toEqual({
      method: "POST",
      path: `/v2/payments/captures/${captureId}/refund`,
      headers: { "PayPal-Request-Id": "refract-order-42-r1", Prefer: "return=representation" },
      body: ProcessorHttp.json({ amount: { currency_code: "USD", value: "10.50" }, invoice_id: "order-42-r1" })
    })
  })

  it("the JSON on the wire is exactly PayPal's refund_request", () => {
    const body = build().body
    expect(body?._tag).toBe("Json")
    expect(JSON.stringify(body?._tag === "Json" ? body.value : undefined)).toBe(
      "{\"amount\":{\"currency_code\":\"USD\",\"value\":\"10.50\"},\"invoice_id\":\"order-42-r1\"}"
    )
  })

  it("custom_id and note_to_payer come from metadata", () => {
    const request = build(createRequest({ metadata: { custom_id: "RMA-7781", note_to_payer: "Defective product", invoice_id: "order-42-r1" } }))
    expect(request.body).toEqual(ProcessorHttp.json({
      amount: { currency_code: "USD", value: "10.50" },
      invoice_id: "order-42-r1",
      custom_id: "RMA-7781",
      note_to_payer: "Defective product"
    }))
  })

  it("refuses metadata PayPal cannot carry, a different invoice_id and over-long fields, before sending", () => {
    const cases = [
      { order: "42" },
      { invoice_id: "INV-1" },
      { custom_id: "x".repeat(128) },
      { note_to_payer: "x".repeat(256) },
      { custom_id: "" }
    ]
    for (const metadata of cases) {
      const reason = failure(connector.create.build(createRequest({ metadata }), createContext()))
      expect(reason._tag).toBe("InvalidRequest")
      expect(reason.field).toBe("metadata")
    }
    expect(Result.isSuccess(connector.create.build(createRequest({ metadata: { custom_id: "x".repeat(127), note_to_payer: "y".repeat(255) } }), createContext()))).toBe(true)
  })

  it("refuses custom_id and note_to_payer that span lines: refund_request declares them ^.*$ (one line)", () => {
    // payments_payment_v2.json `refund_request`: custom_id / note_to_payer have pattern "^.*$"; PayPal answers a
    // value with a line break with 400 INVALID_PARAMETER_SYNTAX, so the connector refuses it before sending.
    for (const text of ["line one\nline two", "carriage\rreturn", "line\u2028separator", "paragraph\u2029separator", "trailing\n"]) {
      for (const key of ["custom_id", "note_to_payer"]) {
        const reason = failure(connector.create.build(createRequest({ metadata: { [key]: text } }), createContext()))
        expect(reason._tag).toBe("InvalidRequest")
        expect(reason.field).toBe("metadata")
        expect(reason.message).toContain(key)
      }
    }
    // Tabs and non-ASCII text are single-line.
    const ok = connector.create.build(createRequest({ metadata: { note_to_payer: "Rückerstattung\tRMA-7781 €" } }), createContext())
    expect(Result.isSuccess(ok)).toBe(true)
  })

  it("the same input builds the same request (the idempotency key is the caller's)", () => {
    expect(build(createRequest(), "refract-k")).toEqual(build(createRequest(), "refract-k"))
    expect(build(createRequest(), "refract-other").headers?.["PayPal-Request-Id"]).toBe("refract-other")
  })

  it("validates the capture id: 10 to 32 upper-case letters and digits", () => {
    for (const id of ["2gg279541u471931p", "2GG279541", "2GG2795 41U471931P", "../../x", "a/b", "2GG279541U471931P-", "X".repeat(33), "pi_3QbXc2LkdIwHu7ix", "2GG279541U471931P%2F.."]) {
      // Built without core's own checks, so the connector's validation is what is tested.
      const input = new Refund.CreateRefundRequest({ ...createRequest(), connectorTransactionId: id }, { disableChecks: true })
      const reason = failure(connector.create.build(input, createContext()))
      expect(reason._tag).toBe("InvalidRequest")
      expect(reason.field).toBe("connectorTransactionId")
    }
    expect(PayPalConnector.isPayPalId(captureId)).toBe(true)
    expect(PayPalConnector.isPayPalId("1BJ39302P0806983")).toBe(true)
  })

  it("never echoes a long id back in full", () => {
    const reason = failure(connector.create.build(createRequest({ connectorTransactionId: `a${"b".repeat(200)}` }), createContext()))
    expect(reason.message.length).toBeLessThan(200)
  })
})

describe("amounts: minor units to PayPal's exact decimal strings and back", () => {
  const cases: ReadonlyArray<readonly [number, string, string]> = [
    [1_050, "USD", "10.50"],
    [1, "USD", "0.01"],
    [100, "USD", "1.00"],
    [99_999_999_999, "USD", "999999999.99"],
    [1_050, "JPY", "1050"],
    [1, "JPY", "1"],
    [1_050, "KWD", "1.050"],
    [1, "KWD", "0.001"],
    [1_234, "TND", "1.234"],
    [5, "TND", "0.005"],
    [123_456_789, "EUR", "1234567.89"],
    [Number.MAX_SAFE_INTEGER, "USD", "90071992547409.91"],
    [1_000, "HUF", "10"],
    [150_000, "TWD", "1500"]
  ]
  for (const [minor, currency, decimal] of cases) {
    it(`${minor} ${currency} ⇄ "${decimal}"`, () => {
      const request = build(createRequest({ amount: { amount: minor, currency } }))
      expect(request.body).toEqual(ProcessorHttp.json({ amount: { currency_code: currency, value: decimal }, invoice_id: "order-42-r1" }))
      const back = PayPalWebhook.fromPayPalMoney({ currency_code: currency, value: decimal })
      expect(Result.isSuccess(back) && Money.equals(back.success, Money.make(minor, currency))).toBe(true)
    })
  }

  it("values that would be rounded by floating point stay exact (0.1 + 0.2, 1.005)", () => {
    const sum = build(createRequest({ amount: { amount: 30, currency: "USD" } }))
    expect(sum.body).toEqual(ProcessorHttp.json({ amount: { currency_code: "USD", value: "0.30" }, invoice_id: "order-42-r1" }))
    const tnd = PayPalWebhook.fromPayPalMoney({ currency_code: "TND", value: "1.005" })
    expect(Result.isSuccess(tnd) ? tnd.success.amount : -1).toBe(1_005)
  })

  it("HUF and TWD go in whole units; a fractional amount is refused before sending", () => {
    for (const currency of ["HUF", "TWD"]) {
      const reason = failure(connector.create.build(createRequest({ amount: { amount: 1_050, currency } }), createContext()))
      expect(reason._tag).toBe("InvalidRequest")
      expect(reason.field).toBe("amount")
      expect(reason.message).toContain("whole units")
    }
  })

  it("answers with more decimals than the currency has are refused, never rounded", () => {
    for (const [value, currency] of [["10.505", "USD"], ["1050.5", "JPY"], ["1.0505", "KWD"], ["10.5", "HUF"]] as const) {
      expect(Result.isFailure(PayPalWebhook.fromPayPalMoney({ currency_code: currency, value }))).toBe(true)
    }
    // Trailing zeros are not extra precision.
    const padded = PayPalWebhook.fromPayPalMoney({ currency_code: "USD", value: "10.500" })
    expect(Result.isSuccess(padded) ? padded.success.amount : -1).toBe(1_050)
    for (const value of ["-10.50", "1e3", "10,50", " ", "", "0x10"]) {
      expect(Result.isFailure(PayPalWebhook.fromPayPalMoney({ currency_code: "USD", value }))).toBe(true)
    }
    expect(Result.isFailure(PayPalWebhook.fromPayPalMoney({ currency_code: "XXQ", value: "1.00" }))).toBe(true)
  })
})

describe("get request", () => {
  it("GETs the refund by id", () => {
    expect(connector.get!.build(reference(refundId), buildContext)).toEqual(Result.succeed({
      method: "GET",
      path: `/v2/payments/refunds/${refundId}`
    }))
  })

  it("validates the refund id before sending", () => {
    for (const id of ["re_3QbXc2LkdIwHu7ix", "1ju08902781691411", "not-a-refund", "SHORT", "../../v1/oauth2/token", "1JU0890278169141 1"]) {
      const reason = failure(connector.get!.build(new Refund.RefundReference({ connectorRefundId: id }, { disableChecks: true }), buildContext))
      expect(reason._tag).toBe("InvalidRequest")
      expect(reason.field).toBe("connectorRefundId")
    }
  })
})

describe("access tokens", () => {
  it("the token request is a client-credentials grant with a Redacted Basic header", () => {
    if (connector.auth._tag !== "AccessToken") throw new Error("PayPal uses access tokens")
    const request = connector.auth.tokenRequest(credentials)
    expect(request.method).toBe("POST")
    expect(request.path).toBe("/v1/oauth2/token")
    expect(request.absoluteUrl).toBeUndefined()
    expect(request.body).toEqual(ProcessorHttp.form([["grant_type", "client_credentials"]]))
    expect(ProcessorHttp.encodeForm(request.body?._tag === "Form" ? request.body.fields : [])).toBe("grant_type=client_credentials")
    const authorization = request.headers?.["Authorization"]
    expect(Redacted.isRedacted(authorization)).toBe(true)
    expect(ProcessorHttp.revealHeader(authorization!)).toBe(`Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`)
    expect(String(authorization)).not.toContain(clientSecret)
    expect(JSON.stringify(request)).not.toContain(clientSecret)
    expect(JSON.stringify(request)).not.toContain(Buffer.from(`${clientId}:${clientSecret}`).toString("base64"))
  })

  it("parses PayPal's token answer; the token stays Redacted", () => {
    if (connector.auth._tag !== "AccessToken") throw new Error("PayPal uses access tokens")
    const body = fixtureJson("token.json")
    const parsed = connector.auth.parseToken(response(200, body))
    if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
    expect(parsed.success.expiresInSeconds).toBe(32_400)
    expect(Redacted.isRedacted(parsed.success.token)).toBe(true)
    expect(Redacted.value(parsed.success.token)).toBe(body.access_token)
    expect(String(parsed.success.token)).not.toContain(body.access_token)
    const headers = connector.auth.headers(parsed.success.token, credentials)
    expect(ProcessorHttp.revealHeader(headers["Authorization"]!)).toBe(`Bearer ${body.access_token}`)
    expect(Redacted.isRedacted(headers["Authorization"])).toBe(true)
  })

  it("a token answer that is not a token is UnexpectedResponse, without echoing the body", () => {
    if (connector.auth._tag !== "AccessToken") throw new Error("PayPal uses access tokens")
    const cases = [
      "not json",
      { access_token: "abc" },
      { access_token: "", token_type: "Bearer", expires_in: 100 },
      { access_token: "A21AA secret with spaces", expires_in: 100 },
      { access_token: "A21AAsecret", token_type: "MAC", expires_in: 100 },
      { access_token: "A21AAsecret", expires_in: 0 },
      { access_token: "A21AAsecret", expires_in: "32400" }
    ]
    for (const body of cases) {
      const parsed = connector.auth.parseToken(response(200, body))
      expect(Result.isFailure(parsed)).toBe(true)
      if (Result.isFailure(parsed)) {
        expect(parsed.failure._tag).toBe("UnexpectedResponse")
        expect(parsed.failure.message).not.toContain("A21AAsecret")
      }
    }
  })
})

describe("the connector value", () => {
  it("declares PayPal's capabilities, environments and credential variables", () => {
    expect(connector.id).toBe("paypal")
    expect(connector.displayName).toBe("PayPal")
    expect(connector.capabilities).toEqual({
      create: true,
      get: true,
      lookup: false,
      lookupFindsPending: false,
      webhooks: true,
      partialRefunds: true,
      fullRefundWithoutAmount: true,
      reportsReversals: false,
      cancellation: true,
      cancelRefund: false,
      list: true,
      reports: false
    })
    expect(connector.lookup).toBeUndefined()
    expect(connector.environments).toEqual({ sandbox: "https://api-m.sandbox.paypal.com", production: "https://api-m.paypal.com" })
    expect(connector.credentials.clientId).toMatchObject({ secret: false, env: "PAYPAL_CLIENT_ID" })
    expect(connector.credentials.clientSecret).toMatchObject({ secret: true, env: "PAYPAL_CLIENT_SECRET" })
    expect(connector.webhooks?.secrets.webhookId).toMatchObject({ secret: false, env: "PAYPAL_WEBHOOK_ID" })
    expect(connector.webhooks?.secrets.certificatePem).toMatchObject({ secret: false, optional: true, env: "PAYPAL_WEBHOOK_CERT_PEM" })
    expect(connector.auth._tag).toBe("AccessToken")
    expect(connector.webhooks?.acknowledgement.status).toBe(200)
  })
})
