/**
 * Both receivers under hostile input, over raw TCP the way an attacker sends it: no input may
 * crash the process (a throw in a listener would fail this test run as an unhandled error), every
 * hostile request gets a clear 4xx (or the connection is closed by Node's parser), and the server
 * still answers `/healthz` afterwards.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { exchange, head, healthz, RawConnection } from "./helpers/RawHttp.ts"
import type { RawResponse } from "./helpers/RawHttp.ts"
import * as HookPay from "./helpers/HookPay.ts"
import { targets } from "./helpers/Targets.ts"
import type { Running } from "./helpers/Targets.ts"

/** A correctly signed hookpay delivery as raw request bytes, with the given request line and Host. */
const signedPost = (target: string, host: string, eventId = "evt_raw_1"): string => {
  const body = JSON.stringify({ events: [HookPay.event(eventId, HookPay.refund({ id: "re_raw", status: "succeeded" }))] })
  return head(`POST ${target} HTTP/1.1`, {
    Host: host,
    "Content-Type": "application/json",
    "X-Hookpay-Signature": HookPay.sign(body),
    "Content-Length": Buffer.byteLength(body)
  }) + body
}

const jsonOf = (response: RawResponse | undefined): unknown => JSON.parse(response?.body ?? "null")

const twoMiB = 2 * 1024 * 1024

for (const target of targets) {
  describe(`${target.name} under hostile requests`, () => {
    let server: Running
    beforeAll(async () => {
      server = await target.start()
    })
    afterAll(() => server.close())

    const stillServing = async () => {
      const health = await healthz(server.port)
      assert.strictEqual(health?.status, 200)
      assert.strictEqual(health?.body, "ok")
    }

    it("Host: [ is a 400 (RFC 9112 §3.2), even on a correctly signed delivery, and nothing is stored", async () => {
      const response = await exchange(server.port, signedPost("/webhooks/hookpay", "["))
      assert.strictEqual(response?.status, 400)
      assert.deepStrictEqual(jsonOf(response), { error: "BadRequest", message: "invalid Host header" })
      assert.isUndefined(await server.statusOf("hookpay", "re_raw"))
      for (const host of ["[", "[::1", "a b", "x/y", "a@b", "%", "ex ample.com:80"]) {
        assert.strictEqual((await exchange(server.port, head("GET /healthz HTTP/1.1", { Host: host })))?.status, 400, host)
      }
      await stillServing()
    })

    it("the same delivery with a real Host is stored (the 400 above was the Host, not the body)", async () => {
      const response = await exchange(server.port, signedPost("/webhooks/hookpay", "127.0.0.1", "evt_raw_ok"))
      assert.strictEqual(response?.status, 200)
      assert.strictEqual(await server.statusOf("hookpay", "re_raw"), "Succeeded")
    })

    it("paths that do not decode or match are a JSON 404: //[, /webhooks/%E0%A4%A", async () => {
      for (const requestTarget of ["/webhooks/%E0%A4%A", "//[", "/webhooks/%", "/%E0%A4%A/x", "//webhooks/hookpay/[", "/webhooks/hookpay/%00"]) {
        const post = await exchange(server.port, head(`POST ${requestTarget} HTTP/1.1`, { Host: "127.0.0.1", "Content-Length": 2 }) + "{}")
        assert.strictEqual(post?.status, 404, `POST ${requestTarget}`)
        assert.deepStrictEqual(jsonOf(post), { error: "NotFound" }, `POST ${requestTarget}`)
        const get = await exchange(server.port, head(`GET ${requestTarget} HTTP/1.1`, { Host: "127.0.0.1" }))
        assert.strictEqual(get?.status, 404, `GET ${requestTarget}`)
      }
      await stillServing()
    })

    it("request targets that are neither a path nor a readable absolute URL are a 400 (http://[/x, *)", async () => {
      for (const requestTarget of ["http://[/webhooks/hookpay", "*", "webhooks/hookpay", "http:/x"]) {
        const post = await exchange(server.port, head(`POST ${requestTarget} HTTP/1.1`, { Host: "127.0.0.1", "Content-Length": 2 }) + "{}")
        assert.strictEqual(post?.status, 400, `POST ${requestTarget}`)
        // Node's parser refuses some of them itself (400, empty body, connection closed).
        if (post?.body !== "") {
          assert.deepStrictEqual(jsonOf(post), { error: "BadRequest", message: "invalid request target" }, `POST ${requestTarget}`)
        }
      }
      await stillServing()
    })

    it("garbage request lines and broken framing are refused by Node's parser with 400 and a close", async () => {
      const garbage = [
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
        "POST /webhooks/hookpay HTTP/9.9\r\n\r\n",
        "GET /\x00/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Content-Length": -1 }),
        head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Content-Length": "1e3" }),
        head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Content-Length": 5, "Transfer-Encoding": "chunked" }) + "0\r\n\r\n",
        "POST /webhooks/hookpay HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad\r\n\r\n",
        "garbage\r\n\r\n"
      ]
      for (const bytes of garbage) {
        const connection = await RawConnection.open(server.port)
        connection.send(bytes)
        const response = await connection.response(2_000)
        assert.strictEqual(response?.status, 400, JSON.stringify(bytes))
        await connection.closedWithin(2_000)
      }
      await stillServing()
    })

    it("a head over 16 KiB is 431 (Request Header Fields Too Large)", async () => {
      const response = await exchange(server.port, head("GET /healthz HTTP/1.1", { Host: "127.0.0.1", "X-Padding": "a".repeat(32 * 1024) }))
      assert.strictEqual(response?.status, 431)
      await stillServing()
    })

    it("a 2 MiB body is 413 and the connection is closed (Connection: close), declared or chunked", async () => {
      const declared = await RawConnection.open(server.port)
      declared.send(head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Content-Length": twoMiB }) + "x".repeat(twoMiB))
      const tooLarge = await declared.response(2_000)
      assert.strictEqual(tooLarge?.status, 413)
      assert.deepStrictEqual(jsonOf(tooLarge), { error: "PayloadTooLarge", message: "webhook bodies are limited to 1048576 bytes" })
      assert.strictEqual(tooLarge?.headers["connection"], "close")
      await declared.closedWithin(2_000)

      const chunked = await RawConnection.open(server.port)
      const chunk = "x".repeat(64 * 1024)
      chunked.send(head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Transfer-Encoding": "chunked" }))
      for (let sent = 0; sent < twoMiB; sent += chunk.length) chunked.send(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
      chunked.send("0\r\n\r\n")
      assert.strictEqual((await chunked.response(2_000))?.status, 413)
      await chunked.closedWithin(2_000)
      await stillServing()
    })

    it("a request that stops half way (slowloris) holds nothing up: /healthz answers meanwhile", async () => {
      const slowHead = await RawConnection.open(server.port)
      slowHead.send("POST /webhooks/hookpay HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len")
      const slowBody = await RawConnection.open(server.port)
      slowBody.send(head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Content-Length": 1_000 }) + "{\"events\":")
      try {
        const started = Date.now()
        await stillServing()
        assert.isBelow(Date.now() - started, 1_000)
        assert.isFalse(slowBody.isClosed)
      } finally {
        slowHead.destroy()
        slowBody.destroy()
      }
    })
  })

  describe(`${target.name} sheds slow senders`, () => {
    let server: Running
    beforeAll(async () => {
      server = await target.start({ limits: { headersTimeoutMillis: 1_000, requestTimeoutMillis: 1_500 } })
    })
    afterAll(() => server.close())

    it("a body that never completes is cut after the request timeout (408), a head that never ends too", async () => {
      const slowBody = await RawConnection.open(server.port)
      slowBody.send(head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Content-Length": 1_000 }) + "{\"events\":")
      const slowHead = await RawConnection.open(server.port)
      slowHead.send("POST /webhooks/hookpay HTTP/1.1\r\nHost: 127.0.0.1\r\n")
      const timedOut = await slowBody.response(4_000)
      assert.strictEqual(timedOut?.status ?? 408, 408)
      await slowBody.closedWithin(1_000)
      assert.strictEqual((await slowHead.response(4_000))?.status ?? 408, 408)
      await slowHead.closedWithin(1_000)
      assert.strictEqual((await healthz(server.port))?.status, 200)
    })
  })

  describe(`${target.name} keeps keep-alive connections usable after a 413`, () => {
    let server: Running
    beforeAll(async () => {
      server = await target.start({ maxBodyBytes: 4_096 })
    })
    afterAll(() => server.close())

    /** After a 413, the next request on the same connection is answered promptly. */
    const nextRequestAnswered = async (connection: RawConnection) => {
      const started = Date.now()
      connection.send(head("GET /healthz HTTP/1.1", { Host: "127.0.0.1" }))
      const next = await connection.response(1_000)
      assert.strictEqual(next?.status, 200)
      assert.strictEqual(next?.body, "ok")
      assert.isBelow(Date.now() - started, 1_000)
    }

    it("a declared body over the limit: 413, then the next request on the connection is answered at once", async () => {
      const connection = await RawConnection.open(server.port)
      try {
        connection.send(head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Content-Length": 10_000 }) + "x".repeat(10_000))
        const first = await connection.response(1_000)
        assert.strictEqual(first?.status, 413)
        assert.notStrictEqual(first?.headers["connection"], "close")
        await nextRequestAnswered(connection)
        await nextRequestAnswered(connection)
      } finally {
        connection.destroy()
      }
    })

    it("a chunked body over the limit: 413, then the next request on the connection is answered at once", async () => {
      const connection = await RawConnection.open(server.port)
      try {
        const chunk = "y".repeat(1_000)
        connection.send(head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Transfer-Encoding": "chunked" }))
        for (let i = 0; i < 10; i++) connection.send(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
        connection.send("0\r\n\r\n")
        assert.strictEqual((await connection.response(1_000))?.status, 413)
        await nextRequestAnswered(connection)
      } finally {
        connection.destroy()
      }
    })

    it("a body far over the limit (2 MiB): the next request is not stuck behind it", async () => {
      const connection = await RawConnection.open(server.port)
      try {
        connection.send(head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Content-Length": twoMiB }) + "x".repeat(twoMiB))
        const first = await connection.response(1_000)
        assert.strictEqual(first?.status, 413)
        // Draining 2 MiB to keep the connection would hand a sender that much free upload; the
        // server says so and closes, and the client's next request goes on a new connection.
        assert.strictEqual(first?.headers["connection"], "close")
        await connection.closedWithin(1_500)
        assert.strictEqual((await healthz(server.port))?.status, 200)
      } finally {
        connection.destroy()
      }
    })

    it("a valid delivery still works on the connection that had the 413", async () => {
      const connection = await RawConnection.open(server.port)
      try {
        connection.send(head("POST /webhooks/hookpay HTTP/1.1", { Host: "127.0.0.1", "Content-Length": 5_000 }) + "z".repeat(5_000))
        assert.strictEqual((await connection.response(1_000))?.status, 413)
        connection.send(signedPost("/webhooks/hookpay", "127.0.0.1", "evt_after_413"))
        const delivered = await connection.response(1_000)
        assert.strictEqual(delivered?.status, 200)
        assert.strictEqual(await server.statusOf("hookpay", "re_raw"), "Succeeded")
      } finally {
        connection.destroy()
      }
    })
  })
}
