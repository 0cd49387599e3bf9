/**
 * Authorize.net request checking, as strict as the API: the JSON API is a rendering of the XML schema
 * (`AnetApiSchema.xsd`), so element names AND their order are checked, unknown elements are refused with
 * `E00003` and the schema's own wording ("The element 'X' in namespace '…' has invalid child element 'Y' …"),
 * as seen in real answers (haskell/aeson#389 quotes one), and field types/lengths with the XSD's datatype
 * wording. The element lists and their order come from AuthorizeNet/sdk-node 1.0.10 `lib/apicontracts.js`.
 *
 * Every answer is HTTP 200 with a UTF-8 BOM before the JSON (AuthorizeNet/sdk-php#231 and its hotfix
 * PR #406; axios, which sdk-node uses, strips it in `lib/adapters/http.js`).
 *
 * @since 0.1.0
 */
import { HttpServerResponse } from "effect/http"
import type { EmulatorRequest } from "../emulator/Http.ts"

export const NAMESPACE = "AnetApi/xml/v1/schema/AnetApiSchema.xsd"
const BOM = "\uFEFF"

export interface Credentials {
  readonly apiLoginId: string
  readonly transactionKey: string
}

export const ok = { resultCode: "Ok", message: [{ code: "I00001", text: "Successful." }] }
export const noRecords = { resultCode: "Ok", message: [{ code: "I00004", text: "No records found." }] }

/** An answer: HTTP 200 (or `status`), JSON preceded by a BOM. */
export const answer = (body: unknown, status = 200): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(`${BOM}${JSON.stringify(body)}`, { status, contentType: "application/json; charset=utf-8" })

/** An API-level error: `messages.resultCode: "Error"` with one message. */
export const apiError = (code: string, text: string, refId?: string, status = 200): HttpServerResponse.HttpServerResponse =>
  answer({ ...(refId === undefined ? {} : { refId }), messages: { resultCode: "Error", message: [{ code, text }] } }, status)

/** Response reason texts of the codes the emulator answers (Authorize.net response code tool, community threads). */
export const reasonTexts: Readonly<Record<string, string>> = {
  "5": "A valid amount is required.",
  "6": "The credit card number is invalid.",
  "11": "A duplicate transaction has been submitted.",
  "33": "Credit card number is required.",
  "39": "The supplied currency code is either invalid, not supported, not allowed for this merchant or doesn't have an exchange rate.",
  "54": "The referenced transaction does not meet the criteria for issuing a credit.",
  "55": "The sum of credits against the referenced transaction would exceed original debit amount."
}

/** A declined/errored transaction: responseCode 3, `errors[]`, resultCode Error E00027. */
export const transactionError = (
  refId: string | undefined,
  errorCode: string,
  errorText: string,
  lastFour?: string,
  original?: { readonly transId: string; readonly refTransId: string }
) =>
  answer({
    transactionResponse: {
      responseCode: "3",
      authCode: "",
      avsResultCode: "P",
      cvvResultCode: "",
      cavvResultCode: "",
      transId: original?.transId ?? "0",
      refTransID: original?.refTransId ?? "",
      transHash: "",
      testRequest: "0",
      accountNumber: lastFour === undefined ? "" : `XXXX${lastFour}`,
      accountType: lastFour === undefined ? "" : "Visa",
      errors: [{ errorCode, errorText }],
      transHashSha2: "",
      SupplementalDataQualificationIndicator: 0
    },
    ...(refId === undefined ? {} : { refId }),
    messages: { resultCode: "Error", message: [{ code: "E00027", text: "The transaction was unsuccessful." }] }
  })

export const isResponse = (u: unknown): u is HttpServerResponse.HttpServerResponse => HttpServerResponse.isHttpServerResponse(u)

type Obj = Record<string, unknown>
const isObject = (u: unknown): u is Obj => typeof u === "object" && u !== null && !Array.isArray(u)

const invalidChild = (parent: string, child: string, expected: ReadonlyArray<string>) =>
  apiError(
    "E00003",
    `The element '${parent}' in namespace '${NAMESPACE}' has invalid child element '${child}' in namespace '${NAMESPACE}'. ` +
      `List of possible elements expected: '${expected.join(", ")}' in namespace '${NAMESPACE}'.`
  )

const incomplete = (parent: string, expected: string) =>
  apiError(
    "E00003",
    `The element '${parent}' in namespace '${NAMESPACE}' has incomplete content. List of possible elements expected: '${expected}' in namespace '${NAMESPACE}'.`
  )

const invalidValue = (element: string, value: string, datatype: string, why: string) =>
  apiError(
    "E00003",
    `The '${NAMESPACE}:${element}' element is invalid - The value '${value}' is invalid according to its datatype '${datatype}' - ${why}`
  )

/**
 * Checks an object's keys against the schema's sequence: every key known, in order, required ones present.
 * (sdk-node sends `clientId` in its schema place, after `merchantAuthentication`: checked by the SDK test.)
 */
const sequence = (
  parent: string,
  value: Obj,
  elements: ReadonlyArray<string>,
  required: ReadonlyArray<string> = []
): HttpServerResponse.HttpServerResponse | undefined => {
  let position = -1
  for (const key of Object.keys(value)) {
    const at = elements.indexOf(key)
    if (at === -1 || at <= position) return invalidChild(parent, key, elements.slice(position + 1))
    position = at
  }
  for (const name of required) if (!(name in value)) return incomplete(parent, name)
  return undefined
}

const text = (u: unknown): string | undefined =>
  typeof u === "string" ? u : typeof u === "number" && Number.isFinite(u) ? String(u) : undefined

/** A decimal amount (string or JSON number) in minor units, or undefined when it has more decimals than the currency. */
export const minorUnits = (amount: string, exponent: number): number | undefined => {
  const m = /^(\d{1,12})(?:\.(\d{1,4}))?$/.exec(amount)
  if (m === null) return undefined
  const fraction = (m[2] ?? "").replace(/0+$/, "")
  if (fraction.length > exponent) return undefined
  return Number(m[1]) * 10 ** exponent + Number(fraction.padEnd(exponent, "0") || "0")
}

// ---------------------------------------------------------------------------------------------------------------
// Schema sequences (sdk-node lib/apicontracts.js, 1.0.10)
// ---------------------------------------------------------------------------------------------------------------

const requestBase = ["merchantAuthentication", "clientId", "refId"]
const transactionRequestType = [
  "transactionType", "amount", "currencyCode", "payment", "profile", "solution", "callId", "terminalNumber", "authCode",
  "refTransId", "splitTenderId", "order", "lineItems", "tax", "duty", "shipping", "taxExempt", "poNumber", "customer",
  "billTo", "shipTo", "customerIP", "cardholderAuthentication", "retail", "employeeId", "transactionSettings", "userFields",
  "surcharge", "merchantDescriptor", "subMerchant", "tip", "processingOptions", "subsequentAuthInformation", "otherTax",
  "shipFrom", "authorizationIndicatorType"
]
const paymentType = ["creditCard", "bankAccount", "trackData", "encryptedTrackData", "payPal", "opaqueData", "emv", "dataSource"]
const creditCardType = ["cardNumber", "expirationDate", "cardCode", "isPaymentToken", "cryptogram", "tokenRequestorName", "tokenRequestorId", "tokenRequestorEci"]
const orderType = ["invoiceNumber", "description", "discountAmount", "taxIsAfterDiscount", "totalTaxTypeCode", "purchaserVATRegistrationNumber", "merchantVATRegistrationNumber", "vatInvoiceReferenceNumber", "purchaserCode", "summaryCommodityCode", "purchaseOrderDateUTC", "supplierOrderReference", "authorizedContactName", "cardAcceptorRefNumber", "amexDataTAA1", "amexDataTAA2", "amexDataTAA3", "amexDataTAA4"]

/** Transaction types of TransactionTypeEnum; the emulator runs refunds only. */
const transactionTypes = new Set([
  "authOnlyTransaction", "authCaptureTransaction", "captureOnlyTransaction", "refundTransaction", "priorAuthCaptureTransaction",
  "voidTransaction", "getDetailsTransaction", "authOnlyContinueTransaction", "authCaptureContinueTransaction"
])

// ---------------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------------

export interface RefundParams {
  readonly refId: string | undefined
  readonly amount: string
  readonly currencyCode: string | undefined
  readonly cardLastFour: string
  readonly refTransId: string
  readonly invoiceNumber: string | undefined
  readonly description: string | undefined
  readonly duplicateWindowSeconds: number | undefined
}

export interface ListParams {
  readonly orderDescending: boolean
  readonly limit: number | undefined
  readonly offset: number
}

export type Parsed =
  | { readonly _tag: "Refund"; readonly refId: string | undefined; readonly params: RefundParams }
  | { readonly _tag: "Details"; readonly refId: string | undefined; readonly transId: string }
  | { readonly _tag: "Unsettled"; readonly refId: string | undefined; readonly params: ListParams }
  | { readonly _tag: "Batches"; readonly refId: string | undefined; readonly first: number; readonly last: number }
  | { readonly _tag: "BatchTransactions"; readonly refId: string | undefined; readonly batchId: string; readonly params: ListParams }

type Checked<A> = A | HttpServerResponse.HttpServerResponse

const authenticate = (root: string, request: Obj, credentials: Credentials): HttpServerResponse.HttpServerResponse | undefined => {
  const auth = request["merchantAuthentication"]
  if (!isObject(auth)) return incomplete(root, "merchantAuthentication")
  const problem = sequence("merchantAuthentication", auth, ["name", "transactionKey", "sessionToken", "password", "impersonationAuthentication", "fingerPrint", "clientKey", "accessToken", "mobileDeviceId"])
  if (problem !== undefined) return problem
  const name = auth["name"]
  if (typeof name === "string" && name.length > 25) {
    return invalidValue("name", name, "String", "The actual length is greater than the MaxLength value.")
  }
  if (name !== credentials.apiLoginId || auth["transactionKey"] !== credentials.transactionKey) {
    return apiError("E00007", "User authentication failed due to invalid authentication values.", refIdOf(request))
  }
  return undefined
}

const refIdOf = (request: Obj): string | undefined => (typeof request["refId"] === "string" ? request["refId"] : undefined)

const checkRefId = (request: Obj): HttpServerResponse.HttpServerResponse | undefined => {
  const refId = request["refId"]
  if (refId === undefined) return undefined
  if (typeof refId !== "string") return invalidValue("refId", String(refId), "String", "The value is not a string.")
  if (refId.length > 20) return invalidValue("refId", refId, "String", "The actual length is greater than the MaxLength value.")
  return undefined
}

const numericString = /^\d+$/

const listParams = (root: string, request: Obj): Checked<ListParams> => {
  let orderDescending = false
  let limit: number | undefined
  let offset = 1
  const sorting = request["sorting"]
  if (sorting !== undefined) {
    if (!isObject(sorting)) return incomplete(root, "sorting")
    const problem = sequence("sorting", sorting, ["orderBy", "orderDescending"], ["orderBy", "orderDescending"])
    if (problem !== undefined) return problem
    const orderBy = sorting["orderBy"]
    if (orderBy !== "id" && orderBy !== "submitTimeUTC") {
      return invalidValue("orderBy", String(orderBy), `${NAMESPACE}:TransactionListOrderFieldEnum`, "The Enumeration constraint failed.")
    }
    const desc = sorting["orderDescending"]
    if (desc !== true && desc !== false && desc !== "true" && desc !== "false") {
      return invalidValue("orderDescending", String(desc), "Boolean", "The string is not a valid Boolean value.")
    }
    orderDescending = desc === true || desc === "true"
  }
  const paging = request["paging"]
  if (paging !== undefined) {
    if (!isObject(paging)) return incomplete(root, "paging")
    const problem = sequence("paging", paging, ["limit", "offset"], ["limit", "offset"])
    if (problem !== undefined) return problem
    const l = Number(text(paging["limit"]))
    const o = Number(text(paging["offset"]))
    // "limit: 1-1000", "offset: 1-100000" (getTransactionListRequest reference).
    if (!Number.isInteger(l) || l < 1 || l > 1000) return invalidValue("limit", String(paging["limit"]), "Int", "The MinInclusive/MaxInclusive constraint failed.")
    if (!Number.isInteger(o) || o < 1 || o > 100_000) return invalidValue("offset", String(paging["offset"]), "Int", "The MinInclusive/MaxInclusive constraint failed.")
    limit = l
    offset = o
  }
  return { orderDescending, limit, offset }
}

const refundParams = (root: string, request: Obj): Checked<RefundParams> => {
  const tr = request["transactionRequest"]
  if (!isObject(tr)) return incomplete(root, "transactionRequest")
  const problem = sequence("transactionRequest", tr, transactionRequestType, ["transactionType"])
  if (problem !== undefined) return problem
  const type = tr["transactionType"]
  if (typeof type !== "string" || !transactionTypes.has(type)) {
    return invalidValue("transactionType", String(type), `${NAMESPACE}:transactionTypeEnum`, "The Enumeration constraint failed.")
  }
  if (type !== "refundTransaction") {
    return apiError("E00003", `The emulator runs refundTransaction only, got ${type}.`, refIdOf(request))
  }
  const refId = refIdOf(request)
  const fail = (code: string) => transactionError(refId, code, reasonTexts[code]!)
  const amount = text(tr["amount"])
  if (amount === undefined || !/^\d{1,12}(?:\.\d{1,4})?$/.test(amount)) return fail("5")
  const currencyCode = tr["currencyCode"]
  if (currencyCode !== undefined && (typeof currencyCode !== "string" || !/^[A-Z]{3}$/.test(currencyCode))) return fail("39")
  const payment = tr["payment"]
  if (!isObject(payment)) return fail("33")
  const pp = sequence("payment", payment, paymentType)
  if (pp !== undefined) return pp
  const card = payment["creditCard"]
  if (!isObject(card)) return fail("33")
  const cp = sequence("creditCard", card, creditCardType, ["cardNumber", "expirationDate"])
  if (cp !== undefined) return cp
  // A refund of a settled card transaction takes the last four digits (or XXXX + last four) and XXXX.
  const cardNumber = text(card["cardNumber"]) ?? ""
  const lastFour = /^(?:XXXX)?(\d{4})$/.exec(cardNumber)?.[1] ?? (/^\d{13,16}$/.test(cardNumber) ? cardNumber.slice(-4) : undefined)
  if (lastFour === undefined) return fail("6")
  const expiration = text(card["expirationDate"]) ?? ""
  if (!/^(?:XXXX|\d{4}|\d{4}-\d{2}|\d{2}\/?\d{2})$/.test(expiration)) {
    return transactionError(refId, "8", "The credit card has expired.")
  }
  const refTransId = text(tr["refTransId"])
  if (refTransId === undefined) return fail("54")
  if (!numericString.test(refTransId)) {
    return invalidValue("refTransId", refTransId, `${NAMESPACE}:numericString`, "The Pattern constraint failed.")
  }
  let invoiceNumber: string | undefined
  let description: string | undefined
  const order = tr["order"]
  if (order !== undefined) {
    if (!isObject(order)) return incomplete("transactionRequest", "order")
    const op = sequence("order", order, orderType)
    if (op !== undefined) return op
    if (order["invoiceNumber"] !== undefined) {
      invoiceNumber = text(order["invoiceNumber"])
      // invoiceNumber: up to 20 characters; description: up to 255.
      if (invoiceNumber === undefined || invoiceNumber.length > 20) {
        return invalidValue("invoiceNumber", String(order["invoiceNumber"]), "String", "The actual length is greater than the MaxLength value.")
      }
    }
    if (order["description"] !== undefined) {
      description = text(order["description"])
      if (description === undefined || description.length > 255) {
        return invalidValue("description", String(order["description"]), "String", "The actual length is greater than the MaxLength value.")
      }
    }
  }
  let duplicateWindowSeconds: number | undefined
  const settings = tr["transactionSettings"]
  if (settings !== undefined) {
    if (!isObject(settings)) return incomplete("transactionRequest", "transactionSettings")
    const sp = sequence("transactionSettings", settings, ["setting"])
    if (sp !== undefined) return sp
    const list = Array.isArray(settings["setting"]) ? settings["setting"] : [settings["setting"]]
    for (const setting of list) {
      if (!isObject(setting)) return incomplete("transactionSettings", "setting")
      const sq = sequence("setting", setting, ["settingName", "settingValue"])
      if (sq !== undefined) return sq
      if (setting["settingName"] === "duplicateWindow") {
        const value = Number(text(setting["settingValue"]))
        if (!Number.isInteger(value) || value < 0 || value > 28_800) {
          return apiError("E00013", "Field format error: duplicateWindow must be between 0 and 28800.", refId)
        }
        duplicateWindowSeconds = value
      }
    }
  }
  return {
    refId,
    amount,
    currencyCode: currencyCode as string | undefined,
    cardLastFour: lastFour,
    refTransId,
    invoiceNumber,
    description,
    duplicateWindowSeconds
  }
}

const dateTime = (element: string, u: unknown): Checked<number | undefined> => {
  if (u === undefined) return undefined
  const value = text(u) ?? ""
  const millis = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/.test(value) ? Date.parse(value.endsWith("Z") || /[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`) : NaN
  if (!Number.isFinite(millis)) return invalidValue(element, value, "DateTime", "The string is not a valid DateTime value.")
  return millis
}

/** The 31-day limit of getSettledBatchListRequest ("The date range can not exceed 31 days"). */
export const MAX_BATCH_RANGE_MILLIS = 31 * 24 * 60 * 60 * 1000

/** Parses and checks one API request; an answer when it is refused. */
export const parse = (request: EmulatorRequest, credentials: Credentials, now: number): Checked<Parsed> => {
  let json: unknown
  try {
    json = JSON.parse(request.body.startsWith(BOM) ? request.body.slice(1) : request.body)
  } catch {
    return apiError("E00003", "Unexpected character encountered while parsing value: the request is not JSON.")
  }
  if (!isObject(json)) return apiError("E00003", "Root element is missing.")
  const roots = Object.keys(json)
  if (roots.length !== 1) return apiError("E00003", "There are multiple root elements.")
  const root = roots[0]!
  const body = json[root]
  const known = ["createTransactionRequest", "getTransactionDetailsRequest", "getUnsettledTransactionListRequest", "getSettledBatchListRequest", "getTransactionListRequest"]
  if (!known.includes(root)) {
    return apiError("E00045", "The root node does not reference a valid XML namespace.")
  }
  if (!isObject(body)) return incomplete(root, "merchantAuthentication")
  const own: Record<string, ReadonlyArray<string>> = {
    createTransactionRequest: ["transactionRequest"],
    getTransactionDetailsRequest: ["transId"],
    getUnsettledTransactionListRequest: ["status", "sorting", "paging"],
    getSettledBatchListRequest: ["includeStatistics", "firstSettlementDate", "lastSettlementDate"],
    getTransactionListRequest: ["batchId", "sorting", "paging"]
  }
  const shape = sequence(root, body, [...requestBase, ...own[root]!], ["merchantAuthentication"])
  if (shape !== undefined) return shape
  const refProblem = checkRefId(body)
  if (refProblem !== undefined) return refProblem
  const unauthenticated = authenticate(root, body, credentials)
  if (unauthenticated !== undefined) return unauthenticated
  const refId = refIdOf(body)
  switch (root) {
    case "createTransactionRequest": {
      const params = refundParams(root, body)
      return isResponse(params) ? params : { _tag: "Refund", refId, params }
    }
    case "getTransactionDetailsRequest": {
      const transId = text(body["transId"])
      if (transId === undefined) return incomplete(root, "transId")
      if (!numericString.test(transId)) return invalidValue("transId", transId, `${NAMESPACE}:numericString`, "The Pattern constraint failed.")
      return { _tag: "Details", refId, transId }
    }
    case "getUnsettledTransactionListRequest": {
      const status = body["status"]
      if (status !== undefined && status !== "any" && status !== "pendingApproval") {
        return invalidValue("status", String(status), `${NAMESPACE}:TransactionGroupStatusEnum`, "The Enumeration constraint failed.")
      }
      const params = listParams(root, body)
      return isResponse(params) ? params : { _tag: "Unsettled", refId, params }
    }
    case "getSettledBatchListRequest": {
      const first = dateTime("firstSettlementDate", body["firstSettlementDate"])
      if (isResponse(first)) return first
      const last = dateTime("lastSettlementDate", body["lastSettlementDate"])
      if (isResponse(last)) return last
      const to = last ?? now
      const from = first ?? to - 24 * 60 * 60 * 1000
      if (to < from) return apiError("E00013", "lastSettlementDate must be after firstSettlementDate.", refId)
      if (to - from > MAX_BATCH_RANGE_MILLIS) return apiError("E00013", "The date range can not exceed 31 days.", refId)
      return { _tag: "Batches", refId, first: from, last: to }
    }
    default: {
      const batchId = text(body["batchId"])
      if (batchId === undefined) return incomplete(root, "batchId")
      if (!numericString.test(batchId)) return invalidValue("batchId", batchId, `${NAMESPACE}:numericString`, "The Pattern constraint failed.")
      const params = listParams(root, body)
      return isResponse(params) ? params : { _tag: "BatchTransactions", refId, batchId, params }
    }
  }
}
