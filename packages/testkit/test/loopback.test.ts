/**
 * The loopback balancer: deliveries go round-robin to the live targets, skip a dead one, keep the
 * target's status and body, and get 502 when no target answers.
 */
import * as http from "node:http"
import { afterAll, describe, expect, it } from "vitest"
import { Loopback } from "@refract/testkit"

const servers: Array<http.Server> = []
const target = async (name: string) => {
  const server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (c: Buffer) => (body += c.toString()))
    req.on("end", () => res.writeHead(req.url === "/teapot" ? 418 : 200, { "content-type": "text/plain" }).end(`${name}:${body}`))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  servers.push(server)
  return (server.address() as { port: number }).port
}
afterAll(() => servers.forEach((s) => s.close()))

describe("Loopback", () => {
  it("balances over live targets, skips dead ones, answers 502 when none answers", async () => {
    const a = await target("a")
    const b = await target("b")
    const dead = await Loopback.freePort()
    let ports = [a, dead, b]
    const balancer = await Loopback.startBalancer(() => ports)
    const post = (path: string, body: string) => fetch(`${balancer.url}${path}`, { method: "POST", body }).then(async (r) => [r.status, await r.text()] as const)
    const answers = [await post("/x", "1"), await post("/x", "2"), await post("/x", "3"), await post("/teapot", "4")]
    expect(answers.map(([, text]) => text.split(":")[0]).toSorted()).toEqual(["a", "a", "b", "b"])
    expect(answers.map(([, text]) => text.split(":")[1])).toEqual(["1", "2", "3", "4"])
    expect(answers[3]![0]).toBe(418)
    expect(balancer.counts.get(dead)).toBeUndefined()
    ports = [dead]
    expect((await post("/x", "5"))[0]).toBe(502)
    expect(balancer.failed()).toBe(1)
    await balancer.close()
  })
})
