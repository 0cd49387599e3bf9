/**
 * The merchant's side of a reconciliation: what their books say each refund is.
 *
 * A ledger is CSV (with a header row) or JSON Lines, one refund per row:
 *
 * | column               | required | meaning                                                                |
 * |----------------------|----------|------------------------------------------------------------------------|
 * | `merchant_refund_id` | yes      | the merchant's refund id (what Refract sends as the idempotency anchor) |
 * | `amount_minor`       | one of   | integer minor units (`1050` is 10.50 EUR)                              |
 * | `amount`             | one of   | decimal major units (`10.50`), converted exactly by the currency's exponent |
 * | `currency`           | yes      | ISO 4217                                                               |
 * | `status`             | yes      | expected status: pending, requires_action, succeeded, failed, cancelled (or canceled), reversed |
 * | `connector_refund_id`| no       | the processor's refund id, when the books recorded it                  |
 * | `created_at`         | no       | ISO 8601 or epoch ms; rows outside the reconciled window are skipped   |
 * | `connector`          | no       | rows for another connector are skipped                                 |
 *
 * JSON Lines take the same fields, in snake_case or camelCase. A bad row never stops the run: it is
 * reported with its line number and what is wrong, like any other discrepancy.
 */
import { Result } from "effect"
import * as Currency from "../money/Currency.ts"
import * as Money from "../money/Money.ts"
import type { RefundStatus } from "../refund/RefundStatus.ts"

/** One refund as the merchant's books have it. */
export interface LedgerEntry {
  readonly merchantRefundId: string
  /** Minor units. */
  readonly amount: number
  readonly currency: string
  readonly expectedStatus: RefundStatus
  readonly connectorRefundId?: string | undefined
  readonly createdAt?: number | undefined
  readonly connector?: string | undefined
  /** 1-based row of the ledger it came from (the header is row 1 in CSV). */
  readonly line: number
}

/** A row that could not be read. */
export interface LedgerProblem {
  readonly line: number
  readonly message: string
}

const statusNames: Readonly<Record<string, RefundStatus>> = {
  pending: "Pending",
  requires_action: "RequiresAction",
  requiresaction: "RequiresAction",
  succeeded: "Succeeded",
  success: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  canceled: "Cancelled",
  reversed: "Reversed"
}

/** The expected status a ledger cell names, case-insensitively. */
export const parseStatus = (value: string): RefundStatus | undefined => statusNames[value.trim().toLowerCase()]

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:|@-]{0,254}$/

const parseTime = (value: string): number | undefined => {
  const text = value.trim()
  if (/^\d{10,16}$/.test(text)) return Number(text)
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined
  const millis = Date.parse(text)
  return Number.isNaN(millis) ? undefined : millis
}

/** The raw fields of one row, by canonical name; `undefined` where the row has none. */
export interface RawRow {
  readonly merchantRefundId?: unknown
  readonly amountMinor?: unknown
  readonly amount?: unknown
  readonly currency?: unknown
  readonly status?: unknown
  readonly connectorRefundId?: unknown
  readonly createdAt?: unknown
  readonly connector?: unknown
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? (value.trim() === "" ? undefined : value.trim()) : typeof value === "number" ? String(value) : undefined

/** Reads one row into an entry, or says what is wrong with it. */
export const entryOf = (row: RawRow, line: number): Result.Result<LedgerEntry, LedgerProblem> => {
  const problem = (message: string) => Result.fail({ line, message })
  const merchantRefundId = text(row.merchantRefundId)
  if (merchantRefundId === undefined) return problem("merchant_refund_id is empty")
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(merchantRefundId)) return problem(`merchant_refund_id ${JSON.stringify(merchantRefundId.slice(0, 80))} is not a merchant refund id`)
  const currencyText = text(row.currency)?.toUpperCase()
  if (currencyText === undefined || !Currency.isKnown(currencyText)) return problem(`currency ${JSON.stringify(currencyText ?? "")} is not an ISO 4217 code`)
  let amount: number
  if (row.amountMinor !== undefined && text(row.amountMinor) !== undefined) {
    const minor = text(row.amountMinor)!
    if (!/^\d{1,15}$/.test(minor)) return problem(`amount_minor ${JSON.stringify(minor.slice(0, 40))} is not a whole number of minor units`)
    amount = Number(minor)
  } else if (text(row.amount) !== undefined) {
    const decimal = Money.fromDecimalString(text(row.amount)!, currencyText)
    if (Result.isFailure(decimal)) return problem(`amount: ${Money.describeProblem(decimal.failure)}`)
    amount = decimal.success.amount
  } else {
    return problem("amount_minor (or amount) is empty")
  }
  const statusText = text(row.status)
  const expectedStatus = statusText === undefined ? undefined : parseStatus(statusText)
  if (expectedStatus === undefined) return problem(`status ${JSON.stringify(statusText ?? "")} is not one of ${Object.keys(statusNames).join(", ")}`)
  const connectorRefundId = text(row.connectorRefundId)
  if (connectorRefundId !== undefined && !idPattern.test(connectorRefundId)) return problem("connector_refund_id is not a processor id")
  const createdText = text(row.createdAt)
  const createdAt = createdText === undefined ? undefined : parseTime(createdText)
  if (createdText !== undefined && createdAt === undefined) return problem(`created_at ${JSON.stringify(createdText.slice(0, 40))} is neither ISO 8601 nor epoch ms`)
  return Result.succeed({
    merchantRefundId,
    amount,
    currency: currencyText,
    expectedStatus,
    connectorRefundId,
    createdAt,
    connector: text(row.connector)?.toLowerCase(),
    line
  })
}

const columnNames: Readonly<Record<string, keyof RawRow>> = {
  merchant_refund_id: "merchantRefundId",
  amount_minor: "amountMinor",
  amount: "amount",
  currency: "currency",
  status: "status",
  expected_status: "status",
  connector_refund_id: "connectorRefundId",
  created_at: "createdAt",
  connector: "connector"
}

/** Binds a CSV header: a row reader, or what the header lacks. */
export const csvColumns = (
  header: ReadonlyArray<string>
): Result.Result<(cells: ReadonlyArray<string>) => RawRow, string> => {
  const positions = new Map<keyof RawRow, number>()
  header.forEach((name, index) => {
    const key = columnNames[name.trim().toLowerCase()]
    if (key !== undefined && !positions.has(key)) positions.set(key, index)
  })
  const missing = ["merchantRefundId", "currency", "status"].filter((k) => !positions.has(k as keyof RawRow))
  if (!positions.has("amountMinor") && !positions.has("amount")) missing.push("amountMinor")
  if (missing.length > 0) {
    const names = Object.entries(columnNames).filter(([, k]) => missing.includes(k)).map(([n]) => n)
    return Result.fail(`the ledger's header lacks ${names.join(", ")} (it has ${header.map((h) => JSON.stringify(h)).join(", ")})`)
  }
  const entries = [...positions.entries()]
  return Result.succeed((cells) => Object.fromEntries(entries.map(([key, index]) => [key, cells[index]])) as RawRow)
}

const jsonKeys: Readonly<Record<string, keyof RawRow>> = {
  ...columnNames,
  merchantRefundId: "merchantRefundId",
  amountMinor: "amountMinor",
  connectorRefundId: "connectorRefundId",
  createdAt: "createdAt",
  expectedStatus: "status"
}

/**
 * Reads one JSON Lines row. `amount` is a decimal string or `{ amount, currency }` in minor units (as
 * Refract writes money); a bare JSON number is refused as ambiguous.
 */
export const jsonRow = (textLine: string): Result.Result<RawRow, string> => {
  let value: unknown
  try {
    value = JSON.parse(textLine)
  } catch {
    return Result.fail("not valid JSON")
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return Result.fail("not a JSON object")
  const row: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const key = jsonKeys[k]
    if (key === undefined || row[key] !== undefined) continue
    if (key === "amount" && typeof v === "object" && v !== null && "amount" in v) {
      row.amountMinor = typeof (v as any).amount === "number" ? String((v as any).amount) : (v as any).amount
      row.currency ??= (v as any).currency
    } else if (key === "amount" && typeof v === "number") {
      // Ambiguous (is 1050 ten euros fifty or a thousand and fifty?), and a float besides: refused.
      return Result.fail("amount is a JSON number: write amount_minor (integer minor units) or amount as a decimal string")
    } else {
      row[key] = v
    }
  }
  return Result.succeed(row as RawRow)
}
