import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import { Signature } from "@refract/core"

const bytes = (...values: ReadonlyArray<number>) => new Uint8Array(values)
const utf8 = (text: string) => new TextEncoder().encode(text)

// RFC 4231, test case 2.
const key = "Jefe"
const message = "what do ya want for nothing?"
const expected = {
  sha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
}

describe("Signature", () => {
  describe("hmac", () => {
    it("matches the RFC test vector, with a redacted secret", () => {
      assert.strictEqual(Signature.toHex(Signature.hmac("sha256", Redacted.make(key), message)), expected.sha256)
      assert.strictEqual(Signature.toHex(Signature.hmacSha256(Redacted.make(key), message)), expected.sha256)
    })

    it("takes a raw byte key and a byte message the same as their text", () => {
      assert.strictEqual(Signature.toHex(Signature.hmacSha256(utf8(key), utf8(message))), expected.sha256)
      assert.strictEqual(Signature.toHex(Signature.hmac("sha256", utf8(key), utf8(message))), expected.sha256)
    })

    it("hmacSha256Hex gives the RFC vector in hex for a plain, a redacted and a byte key", () => {
      assert.strictEqual(Signature.hmacSha256Hex(key, message), expected.sha256)
      assert.strictEqual(Signature.hmacSha256Hex(Redacted.make(key), message), expected.sha256)
      assert.strictEqual(Signature.hmacSha256Hex(utf8(key), utf8(message)), expected.sha256)
    })

    it("depends on the key", () => {
      assert.notStrictEqual(Signature.toHex(Signature.hmacSha256(Redacted.make("Jeff"), message)), expected.sha256)
    })
  })

  describe("equalBytes", () => {
    it("is true for equal bytes and false for any difference", () => {
      assert.isTrue(Signature.equalBytes(bytes(1, 2, 3), bytes(1, 2, 3)))
      assert.isTrue(Signature.equalBytes(bytes(), bytes()))
      assert.isFalse(Signature.equalBytes(bytes(1, 2, 3), bytes(1, 2, 4)))
    })

    it("is false, never an exception, when the lengths differ", () => {
      assert.isFalse(Signature.equalBytes(bytes(1, 2, 3), bytes(1, 2)))
      assert.isFalse(Signature.equalBytes(bytes(), bytes(0)))
    })
  })

  describe("fromHex", () => {
    it("decodes hex of either case", () => {
      assert.deepStrictEqual(Signature.fromHex("00ff7fAb"), bytes(0x00, 0xff, 0x7f, 0xab))
      assert.deepStrictEqual(Signature.fromHex(""), bytes())
    })

    it("refuses odd lengths and non-hex characters anywhere (Buffer would silently truncate)", () => {
      for (const bad of ["abc", "0", "zz", "0g", "xx00", "00xx", "00 11", "0x00"]) {
        assert.isUndefined(Signature.fromHex(bad), bad)
      }
    })
  })

  describe("fromBase64", () => {
    it("decodes padded standard base64", () => {
      assert.deepStrictEqual(Signature.fromBase64("QQ=="), bytes(0x41))
      assert.deepStrictEqual(Signature.fromBase64("QUI="), bytes(0x41, 0x42))
      assert.deepStrictEqual(Signature.fromBase64("QUJD"), bytes(0x41, 0x42, 0x43))
      assert.deepStrictEqual(Signature.fromBase64("+/+/"), bytes(0xfb, 0xff, 0xbf))
      assert.deepStrictEqual(Signature.fromBase64(""), bytes())
    })

    it("refuses unpadded, over-padded, url-safe and foreign characters anywhere", () => {
      for (const bad of ["QQ", "QQ=", "QUJDR", "Q===", "-_-_", "!QQ=", "QQ=!", "QU J", "QQ==QQ=="]) {
        assert.isUndefined(Signature.fromBase64(bad), bad)
      }
    })
  })

  describe("encoding", () => {
    it("toHex and toBase64 round-trip through fromHex and fromBase64", () => {
      const mac = Signature.hmacSha256(Redacted.make(key), message)
      assert.strictEqual(Signature.toBase64(bytes(0x41, 0x42)), "QUI=")
      assert.strictEqual(Signature.toHex(bytes(0x00, 0xab)), "00ab")
      assert.deepStrictEqual(Signature.fromHex(Signature.toHex(mac)), mac)
      assert.deepStrictEqual(Signature.fromBase64(Signature.toBase64(mac)), mac)
    })
  })

  describe("equalsHex and equalsBase64", () => {
    const mac = Signature.hmacSha256(Redacted.make(key), message)

    it("accept the MAC, ignoring whitespace around the header value", () => {
      assert.isTrue(Signature.equalsHex(mac, expected.sha256))
      assert.isTrue(Signature.equalsHex(mac, ` ${expected.sha256.toUpperCase()}\n`))
      assert.isTrue(Signature.equalsBase64(mac, Signature.toBase64(mac)))
      assert.isTrue(Signature.equalsBase64(mac, `\t${Signature.toBase64(mac)} `))
    })

    it("reject another MAC, a truncated one and malformed text without throwing", () => {
      const other = Signature.toHex(Signature.hmacSha256(Redacted.make("other"), message))
      assert.isFalse(Signature.equalsHex(mac, other))
      assert.isFalse(Signature.equalsHex(mac, expected.sha256.slice(0, 62)))
      assert.isFalse(Signature.equalsHex(mac, "not hex"))
      assert.isFalse(Signature.equalsHex(mac, ""))
      assert.isFalse(Signature.equalsBase64(mac, Signature.toBase64(Signature.fromHex(other)!)))
      assert.isFalse(Signature.equalsBase64(mac, "QQ=="))
      assert.isFalse(Signature.equalsBase64(mac, "not base64!"))
    })
  })

  describe("concatBytes", () => {
    it("joins text as UTF-8 and bytes as they are, in order", () => {
      assert.deepStrictEqual(Signature.concatBytes("t=1.", bytes(0xff, 0x00), "é"), bytes(0x74, 0x3d, 0x31, 0x2e, 0xff, 0x00, 0xc3, 0xa9))
      assert.deepStrictEqual(Signature.concatBytes(), bytes())
    })

    it("signs the same as the joined text", () => {
      const joined = Signature.concatBytes("1700000000.", utf8("{\"id\":1}"))
      assert.strictEqual(Signature.toHex(Signature.hmacSha256(Redacted.make(key), joined)), Signature.toHex(Signature.hmacSha256(Redacted.make(key), "1700000000.{\"id\":1}")))
    })
  })
})
