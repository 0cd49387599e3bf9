/**
 * The connector capability matrix, generated from the connectors' own declarations so the docs
 * cannot drift from the code (`refract connectors --markdown` writes docs/connectors/README.md,
 * and a test fails when the committed file differs).
 */
import { type Connector, replaysKeys } from "./Connector.ts"
import type { CredentialField } from "./Credentials.ts"

const yes = (b: boolean) => (b ? "yes" : "no")

const hour = 3_600_000
const duration = (millis: number) =>
  millis % (24 * hour) === 0 ? `${millis / (24 * hour)} days` : millis % hour === 0 ? `${millis / hour} h` : `${Math.round(millis / 60_000)} min`

const rows: ReadonlyArray<readonly [string, (c: Connector) => string]> = [
  ["Create refund", (c) => yes(c.capabilities.create)],
  ["Status endpoint (get)", (c) => (c.capabilities.get ? "yes" : "no: webhooks only")],
  [
    "Lookup by merchant refund id",
    (c) => (!c.capabilities.lookup ? "no" : c.capabilities.lookupFindsPending ? "yes" : "yes, once the refund is processed")
  ],
  ["Webhooks", (c) => (c.webhooks !== undefined && c.capabilities.webhooks ? "yes" : "no")],
  ["Webhook signature", (c) => c.webhooks?.scheme ?? "n/a"],
  ["Partial refunds", (c) => yes(c.capabilities.partialRefunds)],
  ["Full refund without an amount", (c) => (c.capabilities.fullRefundWithoutAmount ? "yes" : "no: amount required")],
  ["Reports reversals", (c) => yes(c.capabilities.reportsReversals)],
  ["Cancelled state", (c) => yes(c.capabilities.cancellation)],
  ["Cancel a refund", (c) => (c.capabilities.cancelRefund && c.cancel !== undefined ? "yes" : "no")],
  [
    "List refunds (reconciliation)",
    (c) =>
      c.capabilities.list && c.list !== undefined
        ? `yes, ${c.list.maxPageSize} per page${c.list.maxWindowMillis !== undefined ? `, windows of at most ${duration(c.list.maxWindowMillis)}` : ""}${c.list.lagMillis > 0 ? `, lag up to ${duration(c.list.lagMillis)}` : ""}`
        : "no"
  ],
  ["Settlement report", (c) => (c.capabilities.reports && c.report !== undefined ? c.report.name : "no")],
  ["Authentication", (c) => (c.auth._tag === "AccessToken" ? "OAuth2 access token (cached, refreshed on 401)" : "static headers")],
  [
    "Idempotency key",
    (c) =>
      replaysKeys(c.idempotencyKey)
        ? `yours or derived, at most ${c.idempotencyKey.maxLength} chars, kept ${duration(c.idempotencyKey.windowMillis)}`
        : `none at the processor: yours or derived (at most ${c.idempotencyKey.maxLength} chars) names the refund for lookups; a create is never sent twice`
  ],
  ["Documented rate limit", (c) => (c.rateLimit !== undefined ? `${c.rateLimit.requestsPerSecond} req/s` : "none published")],
  ["Sandbox base URL", (c) => `\`${c.environments.sandbox}\``],
  ["Production base URL", (c) => `\`${c.environments.production}\``],
  [
    "Credentials (env)",
    (c) =>
      Object.entries(c.credentials as Record<string, CredentialField>)
        .map(([name, f]) => `\`${f.env}\`${f.optional ? " (optional)" : ""}${f.secret ? " secret" : ""} → ${name}`)
        .join("<br>")
  ],
  [
    "Webhook secrets (env)",
    (c) =>
      c.webhooks === undefined
        ? "n/a"
        : Object.entries(c.webhooks.secrets as Record<string, CredentialField>)
          .map(([name, f]) => `\`${f.env}\`${f.optional ? " (optional)" : ""} → ${name}`)
          .join("<br>")
  ]
]

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ")

/** A Markdown table: one row per capability, one column per connector (sorted by id). */
export const markdown = (connectors: ReadonlyArray<Connector>): string => {
  const sorted = connectors.toSorted((a, b) => a.id.localeCompare(b.id))
  const header = `| | ${sorted.map((c) => `[${c.displayName}](${c.id}.md)`).join(" | ")} |`
  const rule = `|---|${sorted.map(() => "---").join("|")}|`
  const body = rows.map(([label, f]) => `| ${label} | ${sorted.map((c) => cell(f(c))).join(" | ")} |`)
  return [header, rule, ...body].join("\n")
}

/** The whole generated page. */
export const page = (connectors: ReadonlyArray<Connector>): string =>
  [
    "# Connectors",
    "",
    "<!-- Generated from each connector's declarations by `refract connectors --markdown`. Do not edit by hand: a test fails when this file drifts. -->",
    "",
    "Each connector is its own package (`@refract/<id>`): install only the ones you use.",
    "What a connector cannot do, it declares; the core answers `Unsupported` for it and the conformance suite skips it visibly.",
    "",
    markdown(connectors),
    ""
  ].join("\n")
