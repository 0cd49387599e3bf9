/**
 * Wire schemas for the parts of the Authorize.net JSON API this connector reads: the
 * `createTransactionResponse`, `getTransactionDetailsResponse` (TransactionDetailsType), the transaction
 * lists (TransactionSummaryType), the settled batch list (BatchDetailsType), the `messages` envelope
 * every answer carries, and the webhook notification.
 *
 * Element names follow AuthorizeNet/sdk-node 1.0.10 `lib/apicontracts.js`. Only the fields the connector
 * uses are declared; unknown keys are ignored. Two details of the real wire format matter:
 * - every answer starts with a UTF-8 byte order mark (AuthorizeNet/sdk-php#231, fixed there by PR #406;
 *   haskell/aeson#389 quotes a raw answer): {@link parseBody} drops it before `JSON.parse`;
 * - amounts in answers are JSON numbers (`"settleAmount": 12.34`), ids are numeric strings; the
 *   `responseCode` of a transaction response is a string ("1"), of the transaction details a number (1).
 */
import { Result, Schema } from "effect"

const optionalNullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))
/** A numeric string or a number (Authorize.net is not consistent between calls). */
const NumberOrString = Schema.Union([Schema.String, Schema.Number])

/** `messages`: `{ resultCode: "Ok" | "Error", message: [{ code, text }] }`. */
export const Messages = Schema.Struct({
  resultCode: Schema.String,
  message: optionalNullable(Schema.Array(Schema.Struct({ code: Schema.String, text: optionalNullable(Schema.String) })))
})
export type Messages = typeof Messages.Type

/** `transactionResponse.errors[]`. */
export const TransactionError = Schema.Struct({
  errorCode: NumberOrString,
  errorText: optionalNullable(Schema.String)
})

/** `transactionResponse` of createTransactionResponse. */
export const TransactionResponse = Schema.Struct({
  /** "1" approved, "2" declined, "3" error, "4" held for review. */
  responseCode: optionalNullable(NumberOrString),
  transId: optionalNullable(NumberOrString),
  refTransID: optionalNullable(NumberOrString),
  accountNumber: optionalNullable(Schema.String),
  errors: optionalNullable(Schema.Array(TransactionError))
})
export type TransactionResponse = typeof TransactionResponse.Type

export const CreateTransactionResponse = Schema.Struct({
  transactionResponse: optionalNullable(TransactionResponse),
  refId: optionalNullable(Schema.String),
  messages: Messages
})

/** Any answer: at least `messages` (an error answer has nothing else). */
export const Envelope = Schema.Struct({ messages: Messages })

export const Batch = Schema.Struct({
  batchId: NumberOrString,
  settlementTimeUTC: optionalNullable(Schema.String),
  settlementState: optionalNullable(Schema.String)
})
export type Batch = typeof Batch.Type

/** TransactionDetailsType, the `transaction` of getTransactionDetailsResponse. */
export const TransactionDetails = Schema.Struct({
  transId: NumberOrString,
  refTransId: optionalNullable(NumberOrString),
  submitTimeUTC: optionalNullable(Schema.String),
  transactionType: optionalNullable(Schema.String),
  transactionStatus: optionalNullable(Schema.String),
  responseReasonCode: optionalNullable(NumberOrString),
  responseReasonDescription: optionalNullable(Schema.String),
  batch: optionalNullable(Batch),
  order: optionalNullable(Schema.Struct({
    invoiceNumber: optionalNullable(Schema.String),
    description: optionalNullable(Schema.String)
  })),
  authAmount: optionalNullable(NumberOrString),
  settleAmount: optionalNullable(NumberOrString),
  payment: optionalNullable(Schema.Struct({
    creditCard: optionalNullable(Schema.Struct({ cardNumber: optionalNullable(Schema.String) }))
  }))
})
export type TransactionDetails = typeof TransactionDetails.Type

export const TransactionDetailsResponse = Schema.Struct({
  transaction: optionalNullable(TransactionDetails),
  messages: Messages
})

/** TransactionSummaryType, an item of getUnsettledTransactionList / getTransactionList. */
export const TransactionSummary = Schema.Struct({
  transId: NumberOrString,
  submitTimeUTC: optionalNullable(Schema.String),
  transactionStatus: optionalNullable(Schema.String),
  invoiceNumber: optionalNullable(Schema.String),
  accountNumber: optionalNullable(Schema.String),
  settleAmount: optionalNullable(NumberOrString)
})
export type TransactionSummary = typeof TransactionSummary.Type

export const TransactionListResponse = Schema.Struct({
  transactions: optionalNullable(Schema.Array(TransactionSummary)),
  totalNumInResultSet: optionalNullable(Schema.Number),
  messages: Messages
})

export const BatchListResponse = Schema.Struct({
  batchList: optionalNullable(Schema.Array(Batch)),
  messages: Messages
})

/**
 * A webhook notification: `{ notificationId, eventType, eventDate, webhookId, payload: { responseCode,
 * authCode, avsResponse, authAmount, entityName: "transaction", id } }`
 * (https://developer.authorize.net/api/reference/features/webhooks.html, "Event Types and Payloads").
 */
export const Notification = Schema.Struct({
  notificationId: Schema.String,
  eventType: Schema.String,
  eventDate: optionalNullable(Schema.String),
  webhookId: optionalNullable(Schema.String),
  payload: optionalNullable(Schema.Struct({
    entityName: optionalNullable(Schema.String),
    id: optionalNullable(NumberOrString),
    responseCode: optionalNullable(NumberOrString),
    authAmount: optionalNullable(NumberOrString)
  }))
})
export type Notification = typeof Notification.Type

/** Decodes without throwing; the failure is a one-line description of the first problems. */
export const decode = <S extends Schema.ConstraintDecoder<unknown>>(schema: S) => {
  const run = Schema.decodeUnknownResult(schema)
  return (input: unknown): Result.Result<S["Type"], string> => {
    const result = run(input)
    return Result.isSuccess(result)
      ? Result.succeed(result.success)
      : Result.fail(result.failure.message.replace(/\s+/g, " ").trim())
  }
}

export const decodeCreateTransactionResponse = decode(CreateTransactionResponse)
export const decodeEnvelope = decode(Envelope)
export const decodeTransactionDetailsResponse = decode(TransactionDetailsResponse)
export const decodeTransactionListResponse = decode(TransactionListResponse)
export const decodeBatchListResponse = decode(BatchListResponse)
export const decodeNotification = decode(Notification)

/** The body as JSON without the leading UTF-8 BOM Authorize.net sends; undefined when it is not JSON. */
export const parseBody = (body: string): unknown => {
  try {
    return JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body)
  } catch {
    return undefined
  }
}

/** A numeric id as a string ("0" stays "0"); undefined for anything else. */
export const idOf = (value: string | number | null | undefined): string | undefined => {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined
  return typeof value === "string" && /^\d{1,20}$/.test(value) ? value : undefined
}
