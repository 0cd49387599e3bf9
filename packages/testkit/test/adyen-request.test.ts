/**
 * The Adyen emulator reads `POST /payments/{paymentPspReference}/refunds` exactly as PaymentRefundRequest
 * (CheckoutService-v71.json) defines it, and refuses everything else the way Adyen does.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { AdyenEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import * as AdyenRequest from "@refract/testkit/adyen/AdyenRequest"
import { request } from "./helpers.ts"

describe("Adyen emulator: PaymentRefundRequest, exactly", () => {
  let emu: EmulatorHandle
  let psp: string
  let merchantAccount: string

  const refund = (body: unknown, headers: Record<string, string> = {}) =>
    request(`${emu.url}/payments/${psp}/refunds`, {
      method: "POST",
      headers: { "x-api-key": emu.credentials.apiKey!, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body)
    })
  const valid = (extra: Record<string, unknown> = {}) => ({ merchantAccount, amount: { currency: "EUR", value: 100 }, ...extra })

  /** Asserts Adyen's ServiceError and that nothing was recorded. */
  const assertRefused = (res: Awaited<ReturnType<typeof refund>>, status: number, errorCode: string, message?: string) => {
    assert.strictEqual(res.status, status, res.text)
    assert.strictEqual(res.json.status, status)
    assert.strictEqual(res.json.errorCode, errorCode)
    assert.strictEqual(res.json.errorType, "validation")
    assert.match(res.json.pspReference, /^[A-Z0-9]{16}$/)
    if (message !== undefined) assert.strictEqual(res.json.message, message)
    assert.lengthOf(emu.refunds(), 0)
  }

  beforeAll(async () => {
    emu = await AdyenEmulator.start({ clock: "manual" })
    merchantAccount = emu.credentials.merchantAccount!
  })
  afterEach(() => emu.reset())
  afterAll(() => emu.close())

  const freshPayment = async () => {
    psp = await emu.createPayment({ amount: 10_000, currency: "EUR" })
  }

  it("accepts every field PaymentRefundRequest defines, nested structures included, and echoes the response fields", async () => {
    await freshPayment()
    const lineItems = [{
      amountExcludingTax: 80,
      amountIncludingTax: 100,
      brand: "b",
      color: "c",
      description: "d",
      id: "1",
      imageUrl: "https://example.test/i.png",
      itemCategory: "PhysicalGood",
      manufacturer: "m",
      marketplaceSellerId: "s",
      productUrl: "https://example.test/p",
      quantity: 1,
      receiverEmail: "r@example.test",
      size: "M",
      sku: "sku-1",
      taxAmount: 20,
      taxPercentage: 2500,
      upc: "012345678905"
    }]
    const splits = [{ account: "BA1", amount: { currency: "EUR", value: 100 }, description: "d", reference: "s1", type: "BalanceAccount" }]
    const res = await refund(valid({
      reference: "r".repeat(80),
      merchantRefundReason: "CUSTOMER REQUEST",
      capturePspReference: "CAPTUREPSP000001",
      store: "store-1",
      lineItems,
      splits,
      applicationInfo: {
        adyenLibrary: { name: "adyen-node-api-library", version: "32.1.0" },
        adyenPaymentSource: { name: "x", version: "1" },
        externalPlatform: { integrator: "i", name: "n", version: "v" },
        merchantApplication: { name: "refract", version: "0.1.0" },
        merchantDevice: { os: "linux", osVersion: "6", reference: "dev-1" },
        shopperInteractionDevice: { locale: "en_GB", os: "ios", osVersion: "17" }
      },
      enhancedSchemeData: {
        airline: {
          agency: { invoiceNumber: "12345", planName: "PN" },
          boardingFee: 100,
          code: "123",
          computerizedReservationSystem: "ABCD",
          customerReferenceNumber: "c",
          designatorCode: "KL",
          documentType: "Passenger ticket",
          flightDate: "2026-01-01T10:00",
          legs: [{
            carrierCode: "KL",
            classOfTravel: "Y",
            dateOfTravel: "2026-01-01T10:00",
            departureAirportCode: "AMS",
            departureTax: 10,
            destinationAirportCode: "LHR",
            fareBasisCode: "Y",
            flightNumber: "1001",
            stopOverCode: "O"
          }],
          passengerName: "FLYER / MARY MS",
          passengers: [{ dateOfBirth: "1990-01-01", firstName: "Mary", lastName: "Flyer", phoneNumber: "+31", travellerType: "ADT" }],
          ticket: { issueAddress: "a", issueDate: "2026-01-01", number: "t1" },
          travelAgency: { code: "c", name: "n" }
        },
        levelTwoThree: {
          customerReferenceNumber: "c",
          destination: { countryCode: "NL", postalCode: "1011", stateOrProvince: "NH" },
          dutyAmount: 0,
          freightAmount: 0,
          itemDetailLines: [{
            commodityCode: "c",
            description: "d",
            discountAmount: 0,
            productCode: "p",
            quantity: 1,
            totalAmount: 100,
            unitOfMeasure: "EA",
            unitPrice: 100
          }],
          orderDate: "2026-01-01",
          shipFromPostalCode: "1011",
          totalTaxAmount: 0
        }
      }
    }))
    assert.strictEqual(res.status, 201, res.text)
    assert.strictEqual(res.json.status, "received")
    assert.strictEqual(res.json.store, "store-1")
    assert.strictEqual(res.json.capturePspReference, "CAPTUREPSP000001")
    assert.deepStrictEqual(res.json.lineItems, lineItems)
    assert.deepStrictEqual(res.json.splits, splits)
    assert.lengthOf(emu.refunds(), 1)
  })

  it("refuses unknown fields with 400 702, naming the structure and every unknown field in it", async () => {
    await freshPayment()
    assertRefused(
      await refund(valid({ currency: "EUR", metadata: { order: "1" } })),
      400,
      "702",
      "Structure of PaymentRefundRequest contains the following unknown fields: [currency, metadata]"
    )
    assertRefused(
      await refund({ merchantAccount, amount: { currency: "EUR", value: 100, exponent: 2 } }),
      400,
      "702",
      "Structure of Amount contains the following unknown fields: [exponent]"
    )
    assertRefused(
      await refund(valid({ lineItems: [{ id: "1" }, { id: "2", colour: "red" }] })),
      400,
      "702",
      "Structure of LineItem contains the following unknown fields: [colour]"
    )
    assertRefused(
      await refund(valid({ applicationInfo: { externalPlatform: { name: "n", vendor: "v" } } })),
      400,
      "702",
      "Structure of ExternalPlatform contains the following unknown fields: [vendor]"
    )
    assertRefused(
      await refund(valid({ splits: [{ type: "Default", amount: { value: 1, units: 2 } }] })),
      400,
      "702",
      "Structure of SplitAmount contains the following unknown fields: [units]"
    )
  })

  it("treats prototype names as the unknown fields they are", async () => {
    await freshPayment()
    assertRefused(
      await refund(`{"merchantAccount":"${merchantAccount}","amount":{"currency":"EUR","value":100},"__proto__":{"admin":true},"constructor":1}`),
      400,
      "702",
      "Structure of PaymentRefundRequest contains the following unknown fields: [__proto__, constructor]"
    )
    assertRefused(
      await refund(`{"merchantAccount":"${merchantAccount}","amount":{"currency":"EUR","value":100,"__proto__":{"value":1}}}`),
      400,
      "702",
      "Structure of Amount contains the following unknown fields: [__proto__]"
    )
    assert.isUndefined((Object.prototype as Record<string, unknown>)["admin"])
  })

  it("refuses malformed bodies and wrong JSON types with 400 702, never a crash", async () => {
    await freshPayment()
    for (const body of ["", "not json", "{\"merchantAccount\":", "[]", "null", "42", "\"text\"", "merchantAccount=x&amount=1"]) {
      const res = await refund(body)
      assertRefused(res, 400, "702")
      assert.match(res.json.message, /^Unexpected input: /, body)
    }
    const typed: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
      [{ merchantAccount, amount: [] }, "amount"],
      [{ merchantAccount, amount: { currency: "EUR", value: "100" } }, "amount.value"],
      [{ merchantAccount, amount: { currency: "EUR", value: 1.5 } }, "amount.value"],
      [{ merchantAccount, amount: { currency: "EUR", value: 1e20 } }, "amount.value"],
      [{ merchantAccount, amount: { currency: 978, value: 100 } }, "amount.currency"],
      [{ merchantAccount: 42, amount: { currency: "EUR", value: 100 } }, "merchantAccount"],
      [valid({ reference: { id: "r" } }), "reference"],
      [valid({ lineItems: { id: "1" } }), "lineItems"],
      [valid({ lineItems: [{ quantity: "2" }] }), "lineItems[0].quantity"],
      [valid({ splits: ["Default"] }), "splits[0]"]
    ]
    for (const [body, field] of typed) {
      const res = await refund(body)
      assertRefused(res, 400, "702")
      assert.match(res.json.message, new RegExp(`^The '${field.replace(/[[\]]/g, "\\$&")}' field is invalid\\. Expected `), field)
    }
    const huge = await refund({ merchantAccount, amount: { currency: "EUR", value: 2 ** 60 } })
    assertRefused(huge, 422, "137", "Invalid amount specified")
  })

  it("refuses missing nested requirements, unknown enum values and over-long strings with 422", async () => {
    await freshPayment()
    assertRefused(await refund(valid({ splits: [{ account: "BA1" }] })), 422, "000", "Required field 'splits[0].type' is not provided.")
    assertRefused(await refund(valid({ splits: [{ type: "Gift" }] })), 422, "000")
    assertRefused(
      await refund(valid({ enhancedSchemeData: { airline: { code: "123" } } })),
      422,
      "000",
      "Required field 'enhancedSchemeData.airline.passengerName' is not provided."
    )
    assertRefused(await refund(valid({ reference: "r".repeat(81) })), 422, "000")
    assertRefused(await refund(valid({ merchantRefundReason: "customer request" })), 422, "000")
    assertRefused(await refund(valid({ lineItems: [{ description: "d".repeat(10_001) }] })), 422, "000")
    assertRefused(await refund(valid({ splits: [{ type: "Default", amount: { currency: "EURO", value: 1 } }] })), 422, "000")
    // null is "not sent", as a JSON binder reads it.
    const nulls = await refund(valid({ reference: null, merchantRefundReason: null, lineItems: null }))
    assert.strictEqual(nulls.status, 201, nulls.text)
  })

  it("exposes the structures it reads, transcribed from the spec", () => {
    const request = AdyenRequest.structures.get("PaymentRefundRequest")!
    assert.deepStrictEqual([...request.fields.keys()], [
      "amount",
      "applicationInfo",
      "capturePspReference",
      "enhancedSchemeData",
      "lineItems",
      "merchantAccount",
      "merchantRefundReason",
      "reference",
      "splits",
      "store"
    ])
    assert.deepStrictEqual(request.required, ["amount", "merchantAccount"])
    assert.deepStrictEqual(AdyenRequest.merchantRefundReasons, ["FRAUD", "CUSTOMER REQUEST", "RETURN", "DUPLICATE", "OTHER"])
  })
})
