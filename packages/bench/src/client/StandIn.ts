/**
 * The trivial stand-in processor every client talks to: a node:http server answering Stripe's
 * refund routes with a fixed, realistic refund object (`GET /v1/refunds/:id`, `POST /v1/refunds`).
 * It does almost nothing, so what a contender costs is its own. Runs in its own process
 * (`node StandIn.ts`), prints `{"url": ...}` once listening.
 */
import { createServer } from "node:http"

/** A Stripe refund object as the API answers it (fields from stripe-node's `Refund` type). */
export const refundObject = (id: string, created: number) => ({
  id,
  object: "refund",
  amount: 1050,
  balance_transaction: "txn_3PbenchXXXXXXXXXX1a2b3c",
  charge: "ch_3PbenchXXXXXXXXXX1a2b3c",
  created,
  currency: "usd",
  destination_details: { card: { reference: "74617683245127374651234", reference_status: "available", reference_type: "acquirer_reference_number", type: "refund" }, type: "card" },
  metadata: { merchant_refund_id: "order-42-r1" },
  payment_intent: "pi_3PbenchXXXXXXXXXX1a2b3c",
  reason: "requested_by_customer",
  receipt_number: null,
  source_transfer_reversal: null,
  status: "pending",
  transfer_reversal: null
})

const created = 1_764_900_000
let sequence = 0

export const start = (port = 0): Promise<string> =>
  new Promise((resolve) => {
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const url = request.url ?? "/"
        let body: string
        if (request.method === "POST" && url === "/v1/refunds") {
          body = JSON.stringify(refundObject(`re_bench${(sequence++).toString(36).padStart(12, "0")}`, created))
        } else if (request.method === "GET" && url.startsWith("/v1/refunds/")) {
          body = JSON.stringify(refundObject(decodeURIComponent(url.slice("/v1/refunds/".length)), created))
        } else {
          response.writeHead(404, { "content-type": "application/json" }).end(`{"error":{"type":"invalid_request_error","message":"Unrecognized request URL"}}`)
          return
        }
        response.writeHead(200, { "content-type": "application/json", "request-id": "req_bench", "stripe-version": "2026-10-28.endive" }).end(body)
      })
    })
    server.keepAliveTimeout = 60_000
    server.listen(port, "127.0.0.1", () => {
      const address = server.address()
      resolve(`http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : port}`)
    })
  })

if (import.meta.main) {
  const url = await start()
  process.stdout.write(`${JSON.stringify({ url })}\n`)
}
