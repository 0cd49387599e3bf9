/**
 * Answers in Authorize.net's JSON shapes (element names and order as in the API reference examples and
 * AuthorizeNet/sdk-node 1.0.10 lib/apicontracts.js), as they come off the wire: a UTF-8 BOM, then JSON.
 */
import { ConnectorTest } from "@refract/testkit"
import { connector } from "@refract/authorizenet"

export const apiLoginId = "5KP3u95bQpv"
export const transactionKey = "346HZ32z3fP4hTG2"
export const transId = "60123456789"
export const lastFour = "1111"
export const payment = `${transId}:${lastFour}`
export const refundId = "60123456790"
export const signatureKey = "56E64C9A4C3B1C2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A"

export const BOM = "\uFEFF"
/** An answer body as Authorize.net sends it. */
export const wire = (value: unknown): string => `${BOM}${JSON.stringify(value)}`

export const ok = { resultCode: "Ok", message: [{ code: "I00001", text: "Successful." }] }

export const createApproved = {
  transactionResponse: {
    responseCode: "1",
    authCode: "",
    avsResultCode: "P",
    cvvResultCode: "",
    cavvResultCode: "",
    transId: refundId,
    refTransID: transId,
    transHash: "",
    testRequest: "0",
    accountNumber: "XXXX1111",
    accountType: "Visa",
    messages: [{ code: "1", description: "This transaction has been approved." }],
    transHashSha2: "",
    SupplementalDataQualificationIndicator: 0
  },
  messages: ok
}

const transactionError = (errorCode: string, errorText: string, id = "0") => ({
  transactionResponse: {
    responseCode: "3",
    authCode: "",
    avsResultCode: "P",
    cvvResultCode: "",
    cavvResultCode: "",
    transId: id,
    refTransID: id === "0" ? "" : transId,
    transHash: "",
    testRequest: "0",
    accountNumber: "XXXX1111",
    accountType: "Visa",
    errors: [{ errorCode, errorText }],
    transHashSha2: ""
  },
  messages: { resultCode: "Error", message: [{ code: "E00027", text: "The transaction was unsuccessful." }] }
})

export const declined54 = transactionError("54", "The referenced transaction does not meet the criteria for issuing a credit.")
export const declined55 = transactionError("55", "The sum of credits against the referenced transaction would exceed original debit amount.")
export const duplicateNoDetails = transactionError("11", "A duplicate transaction has been submitted.")
export const duplicateOfOriginal = transactionError("11", "A duplicate transaction has been submitted.", refundId)
export const authFailed = { messages: { resultCode: "Error", message: [{ code: "E00007", text: "User authentication failed due to invalid authentication values." }] } }
export const notFound = { messages: { resultCode: "Error", message: [{ code: "E00040", text: "The record cannot be found." }] } }

export const details = (status: string, extra: Record<string, unknown> = {}) => ({
  transaction: {
    transId: refundId,
    refTransId: transId,
    submitTimeUTC: "2026-12-01T10:15:30.123Z",
    submitTimeLocal: "2026-12-01T02:15:30.123",
    transactionType: "refundTransaction",
    transactionStatus: status,
    responseCode: 1,
    responseReasonCode: 1,
    responseReasonDescription: "Approval",
    authCode: "",
    AVSResponse: "P",
    ...extra,
    order: { invoiceNumber: "refract-order-42-r1", description: "refund refract-order-42-r1" },
    authAmount: 10.5,
    settleAmount: 10.5,
    taxExempt: false,
    payment: { creditCard: { cardNumber: "XXXX1111", expirationDate: "XXXX", cardType: "Visa" } },
    recurringBilling: false,
    product: "Card Not Present",
    marketType: "eCommerce"
  },
  messages: ok
})

export const batch = {
  batchId: "12345678",
  settlementTimeUTC: "2026-12-02T04:00:12Z",
  settlementTimeLocal: "2026-12-01T20:00:12",
  settlementState: "settledSuccessfully",
  marketType: "eCommerce",
  product: "Card Not Present"
}

export const summary = (id: string, status: string, invoiceNumber: string | undefined, submitTimeUTC = "2026-12-01T10:15:30Z", settleAmount = 10.5) => ({
  transId: id,
  submitTimeUTC,
  submitTimeLocal: submitTimeUTC.replace("Z", ""),
  transactionStatus: status,
  ...(invoiceNumber === undefined ? {} : { invoiceNumber }),
  firstName: "Ellen",
  lastName: "Johnson",
  accountType: "Visa",
  accountNumber: "XXXX1111",
  settleAmount,
  marketType: "eCommerce",
  product: "Card Not Present"
})

export const notification = (eventType: string, id: string, notificationId = "d0e8e7fe-c3e7-4add-a480-27bc5ce28e1a") => ({
  notificationId,
  eventType,
  eventDate: "2026-12-01T10:15:31.5104057Z",
  webhookId: "63d6fea2-aa13-4b1d-a204-f5fbc15942b7",
  payload: { responseCode: 1, authCode: "", avsResponse: "P", authAmount: 10.5, entityName: "transaction", id }
})

export const creds = ConnectorTest.credentials(connector, { apiLoginId, transactionKey })
export const { buildContext, createContext } = ConnectorTest.contexts(creds)
export const { createRequest, reference } = ConnectorTest.requests("authorizenet", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: payment,
  amount: { amount: 1050, currency: "USD" },
  reason: "requested_by_customer"
})
