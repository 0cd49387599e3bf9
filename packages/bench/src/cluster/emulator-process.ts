/**
 * The Stripe emulator in a process of its own (its CPU is not the bench's nor a runner's), for the
 * cluster bench. Argv[2] is the job as JSON. It creates the payments the refunds will reference, then
 * sends `{ type: "ready", url, apiKey, webhookSecret, payments }` over IPC; on `{ type: "summary" }`
 * it answers what happened at the processor (refunds, requests, webhook deliveries); it serves until
 * killed.
 *
 * Every refund is `pending` when created and `succeeded` `settleAfterMillis` later (real clock);
 * Stripe's webhooks for both go to `webhookUrl` (the bench's balancer), `concurrency` at a time.
 */
import { StripeEmulator } from "@refract/testkit"

export interface Job {
  readonly webhookUrl: string
  readonly settleAfterMillis: number
  readonly payments: number
  readonly concurrency: number
}

export interface Summary {
  readonly type: "summary"
  readonly refunds: number
  /** Merchant refund ids with more than one refund at the processor. */
  readonly duplicates: number
  readonly byStatus: Readonly<Record<string, number>>
  readonly createRequests: number
  readonly getRequests: number
  readonly webhookDeliveries: number
  readonly webhooksNotAccepted: number
  /** The first few deliveries not accepted: the receiver's status and the start of its answer. */
  readonly notAcceptedExamples: ReadonlyArray<string>
}

const job = JSON.parse(process.argv[2]!) as Job
const emulator = await StripeEmulator.start({
  port: 0,
  settleAfterMillis: job.settleAfterMillis,
  webhookUrl: job.webhookUrl,
  webhooks: { concurrency: job.concurrency }
})
const payments: Array<string> = []
for (let i = 0; i < job.payments; i++) payments.push(await emulator.createPayment({ amount: 100_000, currency: "EUR" }))

process.on("message", (m: { readonly type?: string }) => {
  if (m.type !== "summary") return
  const refunds = emulator.refunds()
  const perMerchantId = new Map<string, number>()
  const byStatus: Record<string, number> = {}
  for (const r of refunds) {
    const id = r.metadata["merchant_refund_id"] ?? `(none) ${r.id}`
    perMerchantId.set(id, (perMerchantId.get(id) ?? 0) + 1)
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1
  }
  const requests = emulator.requests()
  const deliveries = emulator.webhookDeliveries()
  const summary: Summary = {
    type: "summary",
    refunds: refunds.length,
    duplicates: [...perMerchantId.values()].filter((n) => n > 1).length,
    byStatus,
    createRequests: requests.filter((r) => r.method === "POST" && r.path === "/v1/refunds").length,
    getRequests: requests.filter((r) => r.method === "GET" && r.path.startsWith("/v1/refunds/")).length,
    webhookDeliveries: deliveries.length,
    webhooksNotAccepted: deliveries.filter((d) => d.finished && !d.accepted).length,
    notAcceptedExamples: deliveries
      .filter((d) => d.finished && !d.accepted)
      .slice(0, 3)
      .map((d) => `${d.eventType} ${d.refundId}: ${d.status ?? "no answer"} ${(d.responseBody ?? "").slice(0, 160)}`)
  }
  process.send?.(summary)
})
process.on("SIGTERM", () => void emulator.close().then(() => process.exit(0)))
process.send?.({ type: "ready", url: emulator.url, apiKey: emulator.credentials["apiKey"], webhookSecret: emulator.webhookSecret, payments })
