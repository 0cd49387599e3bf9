/**
 * The book the reconciliation bench checks: `n` refunds over a 30-day window, with `rate` of them
 * seeded as each kind of discrepancy. Deterministic (index-based), so the orchestrator knows what
 * must be found without holding the book: only the discrepancies (7 × rate × n) are kept.
 */
export const kinds = [
  "amount_mismatch",
  "currency_mismatch",
  "status_mismatch",
  "missing_at_processor",
  "missing_in_ledger",
  "duplicate",
  "stale_pending"
] as const
export type Kind = typeof kinds[number]

const day = 86_400_000

export interface SeedItem {
  readonly amount: number
  readonly currency: string
  readonly status: string
  readonly createdAt: number
  readonly metadata: Readonly<Record<string, string>>
}

export interface LedgerRow {
  readonly merchantRefundId: string
  readonly amountMinor: number
  readonly currency: string
  readonly status: string
}

export interface Row {
  readonly merchantRefundId: string
  readonly kind: Kind | "matched"
  readonly seed: ReadonlyArray<SeedItem>
  readonly ledger: LedgerRow | undefined
}

export interface Book {
  readonly n: number
  readonly window: { readonly from: number; readonly to: number }
  readonly row: (i: number) => Row
}

export const make = (n: number, rate: number, now: number): Book => {
  const to = Math.floor(now / 1000) * 1000
  const from = to - 30 * day
  const every = Math.round(1 / rate)
  const row = (i: number): Row => {
    const merchantRefundId = `bench-${i}`
    // A multiplicative hash spreads the kinds and the creation times without a random generator.
    const h = Math.imul(i + 1, 2654435761) >>> 0
    const slot = i % every
    const kind: Kind | "matched" = slot < kinds.length ? kinds[slot]! : "matched"
    const currency = h % 5 === 0 ? "JPY" : "EUR"
    const amount = 100 + (h % 100_000)
    const failed = h % 13 === 0
    const status = failed ? "failed" : "succeeded"
    // Within the window, at least an hour old, at most 13 days (so nothing is stale unless seeded so).
    const createdAt = to - 3_600_000 - (h % (12 * day))
    const metadata = { merchant_refund_id: merchantRefundId }
    const item: SeedItem = { amount, currency, status, createdAt, metadata }
    const ledger: LedgerRow = { merchantRefundId, amountMinor: amount, currency, status }
    switch (kind) {
      case "matched":
        return { merchantRefundId, kind, seed: [item], ledger }
      case "amount_mismatch":
        return { merchantRefundId, kind, seed: [item], ledger: { ...ledger, amountMinor: amount + 1 + (h % 99) } }
      case "currency_mismatch":
        return { merchantRefundId, kind, seed: [item], ledger: { ...ledger, currency: currency === "EUR" ? "USD" : "EUR" } }
      case "status_mismatch":
        return { merchantRefundId, kind, seed: [{ ...item, status: "succeeded" }], ledger: { ...ledger, status: "failed" } }
      case "missing_at_processor":
        return { merchantRefundId, kind, seed: [], ledger: { ...ledger, status: "succeeded" } }
      case "missing_in_ledger":
        return { merchantRefundId, kind, seed: [item], ledger: undefined }
      case "duplicate": {
        const first = { ...item, status: "succeeded" }
        return { merchantRefundId, kind, seed: [first, { ...first, createdAt: first.createdAt + 1000 }], ledger: { ...ledger, status: "succeeded" } }
      }
      case "stale_pending": {
        const old = { ...item, status: "pending", createdAt: from + day + (h % (10 * day)) }
        return { merchantRefundId, kind, seed: [old], ledger: { ...ledger, status: "pending" } }
      }
    }
  }
  return { n, window: { from, to }, row }
}
