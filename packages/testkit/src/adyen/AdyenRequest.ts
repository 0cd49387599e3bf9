/**
 * The body of `POST /payments/{paymentPspReference}/refunds` exactly as Adyen's Checkout API defines it, and how
 * Adyen refuses anything else.
 *
 * Source: Adyen/adyen-openapi@aa014f0c `json/CheckoutService-v71.json`, schema `PaymentRefundRequest` and every
 * schema it references (all declared `"additionalProperties": false`): field names, JSON types, `required`,
 * enums and lengths are transcribed below. `reference`'s 80-character limit is in its description ("Maximum
 * length: 80 characters"), not in a `maxLength`.
 *
 * Refusals:
 * - a body that is not JSON, or not a JSON object: 400 `702` "Unexpected input: …", errorType `validation`
 *   (the spec's `generic-400` example is `{"status":400,"errorCode":"702","message":"Unexpected input: \",
 *   expected: }","errorType":"validation"}`);
 * - unknown fields, at any depth: 400 `702` "Structure of <Schema> contains the following unknown fields:
 *   [a, b]", naming the structure Adyen names (live answers quoted in Adyen/adyen-magento2#3045 for `/v71/payments`:
 *   "Structure of KlarnaDetails contains the following unknown fields: [fundingSource]"; #1038:
 *   "PaymentCompletionDetails contains the following unknown fields: [pp]"; the Ruby library's spec:
 *   "Structure of CreateCheckoutSessionRequest contains the following unknown fields: [paymentMethod]");
 * - a field of the wrong JSON type (a string for `amount.value`, a list for `amount`, a number above int64):
 *   400 `702` "The '<field>' field is invalid. …" [chosen: Adyen does not document this case; the wording
 *   follows a recorded Adyen answer, "The 'deliveryDate' field is invalid. Invalid date (year)", and the
 *   status follows the structural errors above, since the body cannot be read into the structure];
 * - a missing required field nested in an optional structure (`splits[].type`, `airline.passengerName`), an
 *   enum value Adyen does not define, a string over its length: 422 `000` [chosen: the closest generic code].
 *   `merchantAccount` and `amount` themselves are checked by the emulator, which knows their codes.
 *
 * @since 0.1.0
 */

/** A JSON field's declared type. */
export type FieldType =
  | { readonly kind: "string"; readonly values?: ReadonlyArray<string>; readonly minLength?: number; readonly maxLength?: number }
  | { readonly kind: "int64" }
  | { readonly kind: "object"; readonly structure: string }
  | { readonly kind: "list"; readonly items: FieldType }

/** A schema: its fields and which of them are required. */
export interface Structure {
  readonly required: ReadonlyArray<string>
  readonly fields: ReadonlyMap<string, FieldType>
}

const str = (options: Omit<Extract<FieldType, { kind: "string" }>, "kind"> = {}): FieldType => ({ kind: "string", ...options })
const int64: FieldType = { kind: "int64" }
const obj = (structure: string): FieldType => ({ kind: "object", structure })
const list = (items: FieldType): FieldType => ({ kind: "list", items })
const structure = (required: ReadonlyArray<string>, fields: Readonly<Record<string, FieldType>>): Structure => ({
  required,
  fields: new Map(Object.entries(fields))
})

/** Merchant refund reasons (PaymentRefundRequest.merchantRefundReason). */
export const merchantRefundReasons = ["FRAUD", "CUSTOMER REQUEST", "RETURN", "DUPLICATE", "OTHER"] as const

/** `PaymentRefundRequest` and every structure it references, from CheckoutService-v71.json. */
export const structures: ReadonlyMap<string, Structure> = new Map(Object.entries({
  PaymentRefundRequest: structure(["amount", "merchantAccount"], {
    amount: obj("Amount"),
    applicationInfo: obj("ApplicationInfo"),
    capturePspReference: str(),
    enhancedSchemeData: obj("EnhancedSchemeData"),
    lineItems: list(obj("LineItem")),
    merchantAccount: str(),
    merchantRefundReason: str({ values: merchantRefundReasons }),
    reference: str({ maxLength: 80 }),
    splits: list(obj("Split")),
    store: str()
  }),
  Amount: structure(["currency", "value"], {
    currency: str({ minLength: 3, maxLength: 3 }),
    value: int64
  }),
  ApplicationInfo: structure([], {
    adyenLibrary: obj("CommonField"),
    adyenPaymentSource: obj("CommonField"),
    externalPlatform: obj("ExternalPlatform"),
    merchantApplication: obj("CommonField"),
    merchantDevice: obj("MerchantDevice"),
    shopperInteractionDevice: obj("ShopperInteractionDevice")
  }),
  EnhancedSchemeData: structure([], {
    airline: obj("Airline"),
    levelTwoThree: obj("LevelTwoThree")
  }),
  LineItem: structure([], {
    amountExcludingTax: int64,
    amountIncludingTax: int64,
    brand: str(),
    color: str(),
    description: str({ maxLength: 10000 }),
    id: str(),
    imageUrl: str(),
    itemCategory: str(),
    manufacturer: str(),
    marketplaceSellerId: str(),
    productUrl: str(),
    quantity: int64,
    receiverEmail: str(),
    size: str(),
    sku: str(),
    taxAmount: int64,
    taxPercentage: int64,
    upc: str()
  }),
  Split: structure(["type"], {
    account: str(),
    amount: obj("SplitAmount"),
    description: str(),
    reference: str(),
    type: str({
      values: [
        "AcquiringFees",
        "AdyenCommission",
        "AdyenFees",
        "AdyenMarkup",
        "BalanceAccount",
        "Commission",
        "Default",
        "Interchange",
        "MarketPlace",
        "PaymentFee",
        "Remainder",
        "SchemeFee",
        "Surcharge",
        "Tip",
        "TopUp",
        "VAT"
      ]
    })
  }),
  CommonField: structure([], { name: str(), version: str() }),
  ExternalPlatform: structure([], { integrator: str(), name: str(), version: str() }),
  MerchantDevice: structure([], { os: str(), osVersion: str(), reference: str() }),
  ShopperInteractionDevice: structure([], { locale: str(), os: str(), osVersion: str() }),
  Airline: structure(["passengerName"], {
    agency: obj("Agency"),
    boardingFee: int64,
    code: str(),
    computerizedReservationSystem: str(),
    customerReferenceNumber: str(),
    designatorCode: str(),
    documentType: str(),
    flightDate: str(),
    legs: list(obj("Leg")),
    passengerName: str(),
    passengers: list(obj("Passenger")),
    ticket: obj("Ticket"),
    travelAgency: obj("TravelAgency")
  }),
  LevelTwoThree: structure([], {
    customerReferenceNumber: str(),
    destination: obj("Destination"),
    dutyAmount: int64,
    freightAmount: int64,
    itemDetailLines: list(obj("ItemDetailLine")),
    orderDate: str(),
    shipFromPostalCode: str(),
    totalTaxAmount: int64
  }),
  SplitAmount: structure(["value"], {
    currency: str({ minLength: 3, maxLength: 3 }),
    value: int64
  }),
  Agency: structure([], { invoiceNumber: str(), planName: str() }),
  Leg: structure([], {
    carrierCode: str(),
    classOfTravel: str(),
    dateOfTravel: str(),
    departureAirportCode: str(),
    departureTax: int64,
    destinationAirportCode: str(),
    fareBasisCode: str(),
    flightNumber: str(),
    stopOverCode: str()
  }),
  Passenger: structure([], { dateOfBirth: str(), firstName: str(), lastName: str(), phoneNumber: str(), travellerType: str() }),
  Ticket: structure([], { issueAddress: str(), issueDate: str(), number: str() }),
  TravelAgency: structure([], { code: str(), name: str() }),
  Destination: structure([], { countryCode: str(), postalCode: str(), stateOrProvince: str() }),
  ItemDetailLine: structure([], {
    commodityCode: str(),
    description: str(),
    discountAmount: int64,
    productCode: str(),
    quantity: int64,
    totalAmount: int64,
    unitOfMeasure: str(),
    unitPrice: int64
  })
}))

/** What Adyen answers: the `ServiceError` fields of a refusal. */
export interface Refusal {
  readonly status: 400 | 422
  readonly errorCode: string
  readonly message: string
}

/** A readable request, or Adyen's refusal. */
export type Read =
  | { readonly _tag: "Read"; readonly body: Readonly<Record<string, unknown>> }
  | { readonly _tag: "Refused"; readonly refusal: Refusal }

const refused = (status: 400 | 422, errorCode: string, message: string): Read => ({
  _tag: "Refused",
  refusal: { status, errorCode, message }
})

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** int64 bounds; beyond them a JSON number cannot be read into the field. */
const int64Max = 2n ** 63n - 1n

const isInt64 = (u: unknown): boolean =>
  typeof u === "number" && Number.isInteger(u) && BigInt(u) <= int64Max && BigInt(u) >= -int64Max - 1n

/** A bounded rendering of the start of a body, for "Unexpected input" (never the whole body). */
const excerpt = (text: string): string => {
  const trimmed = text.trim()
  if (trimmed === "") return "empty body"
  return trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed
}

/**
 * Reads a `PaymentRefundRequest`: JSON syntax, then the structure (unknown fields and JSON types, 400 702),
 * then nested requirements, enums and lengths (422). Never throws.
 */
export const readPaymentRefundRequest = (text: string): Read => {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return refused(400, "702", `Unexpected input: ${excerpt(text)}`)
  }
  if (!isObject(body)) return refused(400, "702", `Unexpected input: ${excerpt(text)}, expected a JSON object`)
  const shape = checkStructure("PaymentRefundRequest", body, "")
  if (shape !== undefined) return { _tag: "Refused", refusal: shape }
  const rules = checkRules("PaymentRefundRequest", body, "", true)
  return rules === undefined ? { _tag: "Read", body } : { _tag: "Refused", refusal: rules }
}

const fieldPath = (prefix: string, name: string) => (prefix === "" ? name : `${prefix}.${name}`)

/** Unknown fields and JSON types, depth first in document order. */
const checkStructure = (name: string, value: Readonly<Record<string, unknown>>, path: string): Refusal | undefined => {
  const schema = structures.get(name)!
  const unknown = Object.keys(value).filter((key) => !schema.fields.has(key))
  if (unknown.length > 0) {
    return { status: 400, errorCode: "702", message: `Structure of ${name} contains the following unknown fields: [${unknown.join(", ")}]` }
  }
  for (const [key, field] of Object.entries(value)) {
    if (field === null) continue
    const problem = checkType(schema.fields.get(key)!, field, fieldPath(path, key))
    if (problem !== undefined) return problem
  }
  return undefined
}

const invalidField = (path: string, expected: string): Refusal => ({
  status: 400,
  errorCode: "702",
  message: `The '${path}' field is invalid. Expected ${expected}`
})

const checkType = (type: FieldType, value: unknown, path: string): Refusal | undefined => {
  switch (type.kind) {
    case "string":
      return typeof value === "string" ? undefined : invalidField(path, "a string")
    case "int64":
      return isInt64(value) ? undefined : invalidField(path, "an integer (int64)")
    case "object":
      return isObject(value) ? checkStructure(type.structure, value, path) : invalidField(path, "an object")
    case "list": {
      if (!Array.isArray(value)) return invalidField(path, "a list")
      for (const [i, item] of value.entries()) {
        if (item === null) continue
        const problem = checkType(type.items, item, `${path}[${i}]`)
        if (problem !== undefined) return problem
      }
      return undefined
    }
  }
}

/**
 * Requirements, enums and lengths of a structure already known to be well-typed. `top` leaves out what the
 * emulator checks itself with Adyen's specific codes: the top-level `required` (`merchantAccount`, `amount`) and
 * the refund amount.
 */
const checkRules = (name: string, value: Readonly<Record<string, unknown>>, path: string, top: boolean): Refusal | undefined => {
  const schema = structures.get(name)!
  if (!top) {
    const missing = schema.required.find((key) => !Object.hasOwn(value, key) || value[key] === null)
    if (missing !== undefined) {
      return { status: 422, errorCode: "000", message: `Required field '${fieldPath(path, missing)}' is not provided.` }
    }
  }
  for (const [key, field] of Object.entries(value)) {
    if (field === null || (top && key === "amount")) continue
    const problem = checkRule(schema.fields.get(key)!, field, fieldPath(path, key))
    if (problem !== undefined) return problem
  }
  return undefined
}

const checkRule = (type: FieldType, value: unknown, path: string): Refusal | undefined => {
  switch (type.kind) {
    case "string": {
      const text = value as string
      if (type.values !== undefined && !type.values.includes(text)) {
        return { status: 422, errorCode: "000", message: `Invalid ${path}: must be one of ${type.values.join(", ")}` }
      }
      if (type.maxLength !== undefined && text.length > type.maxLength) {
        return { status: 422, errorCode: "000", message: `Invalid ${path}: must be at most ${type.maxLength} characters` }
      }
      if (type.minLength !== undefined && text.length < type.minLength) {
        return { status: 422, errorCode: "000", message: `Invalid ${path}: must be at least ${type.minLength} characters` }
      }
      return undefined
    }
    case "int64":
      return undefined
    case "object":
      return checkRules(type.structure, value as Readonly<Record<string, unknown>>, path, false)
    case "list":
      for (const [i, item] of (value as ReadonlyArray<unknown>).entries()) {
        if (item === null) continue
        const problem = checkRule(type.items, item, `${path}[${i}]`)
        if (problem !== undefined) return problem
      }
      return undefined
  }
}
