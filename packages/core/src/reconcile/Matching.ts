/**
 * How one merchant refund is judged: the ledger's rows for a merchant refund id against the refunds
 * the processor holds for it. Pure; the Reconciler calls it once per merchant refund id (and once per
 * processor refund the ledger does not know).
 *
 * Every refund gets exactly one kind, the first that applies in this order:
 * 1. `missing_in_ledger`: the processor has it, the books do not (made in the dashboard, or orphaned);
 * 2. `duplicate`: two or more processor refunds still moving money (not failed, cancelled or
 *    reversed) for one merchant refund id: a double refund;
 * 3. `missing_at_processor`: the books expect money to move (pending or succeeded) and the processor
 *    has nothing, once the refund is older than the listing's lag (younger ones are `too_recent`);
 * 4. `currency_mismatch`, 5. `amount_mismatch` (beyond the tolerance), 6. `status_mismatch`;
 * 7. `stale_pending`: still pending at the processor after its expected window;
 * 8. `matched`.
 */
import type * as Currency from "../money/Currency.ts"
import * as Money from "../money/Money.ts"
import type { Settlement } from "../refund/Refund.ts"
import type { ObservedStatus, RefundStatus } from "../refund/RefundStatus.ts"
import { toSimple } from "../refund/RefundStatus.ts"
import type { LedgerEntry } from "./Ledger.ts"

export const discrepancyKinds = [
  "missing_in_ledger",
  "duplicate",
  "missing_at_processor",
  "currency_mismatch",
  "amount_mismatch",
  "status_mismatch",
  "stale_pending"
] as const
export type DiscrepancyKind = typeof discrepancyKinds[number]

/** `too_recent`: not listed yet, but younger than the listing's lag, so not (yet) a discrepancy. */
export type FindingKind = "matched" | "too_recent" | DiscrepancyKind

export const isDiscrepancy = (kind: FindingKind): kind is DiscrepancyKind => kind !== "matched" && kind !== "too_recent"

/** A refund as the processor's listing or report shows it (all its observations folded). */
export interface ProcessorRefund {
  readonly connectorRefundId: string
  readonly merchantRefundId?: string | undefined
  readonly connectorTransactionId?: string | undefined
  readonly amount?: { readonly amount: number; readonly currency: string } | undefined
  /** `Unknown` when the processor's only status is one the connector does not recognise. */
  readonly status: ObservedStatus
  readonly rawStatus: string
  readonly createdAt?: number | undefined
  readonly settlement?: Settlement | undefined
}

export interface Tolerances {
  /** Largest difference in minor units still counted as equal. Default 0. */
  readonly amountMinor: number
  /**
   * How statuses are compared: `simple` (default) compares PENDING / SUCCEEDED / FAILED, so books that
   * say "failed" agree with a cancelled refund; `exact` compares the six statuses.
   */
  readonly status: "simple" | "exact"
  /** A refund still pending at the processor this long after its creation is `stale_pending`. */
  readonly pendingWindowMillis: number
  /** A ledger refund younger than this is not called missing (the listing may lag). */
  readonly lagMillis: number
}

export const defaultTolerances: Tolerances = {
  amountMinor: 0,
  status: "simple",
  pendingWindowMillis: 14 * 24 * 60 * 60 * 1000,
  lagMillis: 0
}

export interface Finding {
  readonly kind: FindingKind
  readonly merchantRefundId?: string | undefined
  readonly ledger?: LedgerEntry | undefined
  /** The processor refunds this finding is about (the one matched first). */
  readonly processor: ReadonlyArray<ProcessorRefund>
  /** What differs, in words ("ledger 10.00 EUR, processor 9.00 EUR"). */
  readonly detail: string
}

const movesMoney = (refund: ProcessorRefund): boolean =>
  refund.status === "Pending" || refund.status === "RequiresAction" || refund.status === "Succeeded" || refund.status === "Unknown"

const inFlight = (status: ObservedStatus): boolean => status === "Pending" || status === "RequiresAction"

const sameStatus = (expected: RefundStatus, actual: ObservedStatus, mode: Tolerances["status"]): boolean =>
  actual !== "Unknown" && (mode === "exact" ? expected === actual : toSimple(expected) === toSimple(actual))

/** `10.50 EUR`: minor units written with the currency's exponent (`Money.toDecimalString`, never floating point). */
export const money = (amount: number, currency: string): string => {
  const decimal = Money.toDecimalString({ amount: Math.abs(amount), currency: currency as Currency.CurrencyCode })
  return `${amount < 0 ? "-" : ""}${decimal} ${currency}`
}

/** The processor refund the ledger row stands for: the one it names, else the one still moving money, else the newest. */
const primaryOf = (ledger: LedgerEntry, refunds: ReadonlyArray<ProcessorRefund>): ProcessorRefund => {
  const named = ledger.connectorRefundId === undefined ? undefined : refunds.find((r) => r.connectorRefundId === ledger.connectorRefundId)
  if (named !== undefined) return named
  const live = refunds.filter(movesMoney)
  const pool = live.length > 0 ? live : refunds
  return pool.reduce((a, b) => ((b.createdAt ?? 0) > (a.createdAt ?? 0) ? b : a))
}

/**
 * Judges one merchant refund id: its ledger row (undefined when the books do not have it) against
 * the processor's refunds for it. `now` is epoch ms.
 */
export const judge = (
  ledger: LedgerEntry | undefined,
  refunds: ReadonlyArray<ProcessorRefund>,
  tolerances: Tolerances,
  now: number
): Finding => {
  // A `#` key stands in for a missing merchant refund id (a stored refund only seen by webhook): not an id to show.
  const merchantRefundId = [ledger?.merchantRefundId, refunds[0]?.merchantRefundId].find((id) => id !== undefined && !id.startsWith("#"))
  const finding = (kind: FindingKind, processor: ReadonlyArray<ProcessorRefund>, detail: string): Finding => ({
    kind,
    merchantRefundId,
    ledger,
    processor,
    detail
  })
  if (ledger === undefined) {
    const ids = refunds.map((r) => r.connectorRefundId).join(", ")
    return finding("missing_in_ledger", refunds, `the processor has ${ids} (${refunds.map((r) => r.rawStatus).join(", ")}); the ledger has no row for it`)
  }
  const live = refunds.filter(movesMoney)
  if (live.length >= 2) {
    return finding(
      "duplicate",
      live,
      `${live.length} processor refunds for one merchant refund id still move money: ${live.map((r) => `${r.connectorRefundId} (${r.rawStatus})`).join(", ")}`
    )
  }
  if (refunds.length === 0) {
    const expectsMoney = toSimple(ledger.expectedStatus) !== "FAILED"
    if (!expectsMoney) return finding("matched", [], "failed in the ledger and never at the processor")
    if (ledger.createdAt !== undefined && now - ledger.createdAt < tolerances.lagMillis) {
      return finding("too_recent", [], "not listed yet, within the processor's listing lag")
    }
    return finding("missing_at_processor", [], `the ledger expects ${ledger.expectedStatus}; the processor has no refund for it`)
  }
  const primary = primaryOf(ledger, refunds)
  if (primary.amount !== undefined && primary.amount.currency !== ledger.currency) {
    return finding("currency_mismatch", [primary], `ledger ${money(ledger.amount, ledger.currency)}, processor ${money(primary.amount.amount, primary.amount.currency)}`)
  }
  if (primary.amount !== undefined && Math.abs(primary.amount.amount - ledger.amount) > tolerances.amountMinor) {
    return finding("amount_mismatch", [primary], `ledger ${money(ledger.amount, ledger.currency)}, processor ${money(primary.amount.amount, primary.amount.currency)}`)
  }
  if (!sameStatus(ledger.expectedStatus, primary.status, tolerances.status)) {
    return finding(
      "status_mismatch",
      [primary],
      `ledger ${ledger.expectedStatus}, processor ${primary.status === "Unknown" ? "unrecognised" : primary.status} (${primary.rawStatus})`
    )
  }
  if (inFlight(primary.status) && primary.createdAt !== undefined && now - primary.createdAt > tolerances.pendingWindowMillis) {
    const days = Math.floor((now - primary.createdAt) / 86_400_000)
    return finding("stale_pending", [primary], `still ${primary.rawStatus} at the processor ${days} days after creation`)
  }
  return finding("matched", [primary], "")
}
