/**
 * A reconciliation's report, three ways: JSON for programs, CSV for spreadsheets, and a summary a
 * person reads. Each is written piece by piece (a header, one part per finding, a footer), so a
 * report of a million findings never sits in memory.
 */
import { line } from "./Csv.ts"
import type { LedgerProblem } from "./Ledger.ts"
import type { Finding, FindingKind } from "./Matching.ts"
import { discrepancyKinds, money } from "./Matching.ts"
import type { Summary } from "./Reconciler.ts"

const titles: Readonly<Record<FindingKind, string>> = {
  matched: "matched",
  too_recent: "too recent to judge (within the listing's lag)",
  missing_in_ledger: "missing in the ledger (made at the processor, not in the books)",
  duplicate: "duplicate: more than one processor refund for one merchant refund (double refund)",
  missing_at_processor: "missing at the processor",
  currency_mismatch: "currency mismatch",
  amount_mismatch: "amount mismatch",
  status_mismatch: "status mismatch",
  stale_pending: "pending past its expected window"
}

const iso = (millis: number | undefined) => (millis === undefined ? undefined : new Date(millis).toISOString())

const decimal = (amount: number | undefined, currency: string | undefined): string | undefined =>
  amount === undefined || currency === undefined ? undefined : money(amount, currency)

const summaryJson = (summary: Summary) => ({
  ...summary,
  window: { from: iso(summary.window.from), to: iso(summary.window.to) },
  startedAt: iso(summary.startedAt),
  finishedAt: iso(summary.finishedAt)
})

/** The JSON report: `{ summary, problems: [...], findings: [...] }`, in three parts around the streamed items. */
export const json = {
  start: (summary: Summary): string => `{"summary":${JSON.stringify(summaryJson(summary))},"problems":[`,
  problem: (problem: LedgerProblem, first: boolean): string => `${first ? "" : ","}\n${JSON.stringify(problem)}`,
  between: "],\"findings\":[",
  finding: (finding: Finding, first: boolean): string => `${first ? "" : ","}\n${JSON.stringify(finding)}`,
  end: "]}\n"
}

/** CSV columns of the findings report, one row per finding (matched refunds are only counted). */
export const csvHeader = line([
  "kind",
  "merchant_refund_id",
  "ledger_line",
  "ledger_amount_minor",
  "ledger_currency",
  "ledger_status",
  "connector_refund_id",
  "processor_amount_minor",
  "processor_currency",
  "processor_status",
  "processor_raw_status",
  "processor_created_at",
  "trace_reference",
  "settled_at",
  "batch_id",
  "other_connector_refund_ids",
  "detail"
])

export const csvRow = (finding: Finding): string => {
  const [first, ...others] = finding.processor
  return line([
    finding.kind,
    finding.merchantRefundId,
    finding.ledger?.line,
    finding.ledger?.amount,
    finding.ledger?.currency,
    finding.ledger?.expectedStatus,
    first?.connectorRefundId,
    first?.amount?.amount,
    first?.amount?.currency,
    first?.status,
    first?.rawStatus,
    iso(first?.createdAt),
    first?.settlement?.traceReference,
    iso(first?.settlement?.settledAt),
    first?.settlement?.batchId,
    others.map((r) => r.connectorRefundId).join(" "),
    finding.detail
  ])
}

/** A short readable account: the counts, then up to `examples` findings of each discrepancy kind. */
export const summaryText = (
  summary: Summary,
  examples: ReadonlyMap<FindingKind, ReadonlyArray<Finding>>,
  problems: ReadonlyArray<LedgerProblem>
): string => {
  const out: Array<string> = []
  const seconds = (summary.finishedAt - summary.startedAt) / 1000
  out.push(`Reconciliation of ${summary.connector}, refunds created ${iso(summary.window.from)} to ${iso(summary.window.to)}`)
  out.push(
    `  processor (${summary.truth}): ${summary.processorRefunds} refund records${summary.truth === "listing" ? ` in ${summary.pages} pages` : ""}`
  )
  out.push(
    `  ledger: ${summary.ledgerRows} rows (${summary.ledgerSkipped} outside the window or for another connector, ${summary.ledgerInvalid} unreadable)`
  )
  out.push(`  took ${seconds.toFixed(1)} s${summary.resumed ? " (resumed after an interruption)" : ""}`)
  out.push("")
  out.push(`  ${String(summary.counts.matched).padStart(9)}  ${titles.matched}`)
  if (summary.counts.too_recent > 0) out.push(`  ${String(summary.counts.too_recent).padStart(9)}  ${titles.too_recent}`)
  for (const kind of discrepancyKinds) out.push(`  ${String(summary.counts[kind]).padStart(9)}  ${titles[kind]}`)
  out.push("")
  out.push(summary.discrepancies === 0 ? "No discrepancies." : `${summary.discrepancies} discrepancies.`)
  for (const kind of discrepancyKinds) {
    const list = examples.get(kind) ?? []
    if (list.length === 0) continue
    out.push("")
    out.push(`${titles[kind]}${summary.counts[kind] > list.length ? ` (first ${list.length} of ${summary.counts[kind]})` : ""}:`)
    for (const f of list) {
      const p = f.processor[0]
      const who = f.merchantRefundId ?? "(no merchant refund id)"
      const ledger = f.ledger === undefined ? "" : ` ledger ${decimal(f.ledger.amount, f.ledger.currency)} ${f.ledger.expectedStatus};`
      const processor = p === undefined ? "" : ` processor ${p.connectorRefundId} ${decimal(p.amount?.amount, p.amount?.currency) ?? "?"} ${p.rawStatus};`
      out.push(`  ${who}:${ledger}${processor} ${f.detail}`)
    }
  }
  if (problems.length > 0) {
    out.push("")
    out.push(`Unreadable ledger rows${summary.ledgerInvalid > problems.length ? ` (first ${problems.length} of ${summary.ledgerInvalid})` : ""}:`)
    for (const p of problems) out.push(`  row ${p.line}: ${p.message}`)
  }
  if (summary.applied !== undefined) {
    out.push("")
    out.push(`Applied to the store: ${Object.entries(summary.applied).map(([k, v]) => `${v} ${k}`).join(", ") || "nothing"}`)
  }
  return `${out.join("\n")}\n`
}
