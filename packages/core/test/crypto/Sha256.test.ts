import { createHash, createHmac } from "node:crypto"
import { describe, expect, it } from "vitest"
import * as fc from "fast-check"
import { hmacSha256, sha256 } from "@refract/core/crypto/Sha256"

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
const unhex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16))

describe("sha256", () => {
  // FIPS 180-4 examples (NIST CSRC "SHA256.pdf") and the empty string.
  it("matches the published vectors", () => {
    expect(hex(sha256(""))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    expect(hex(sha256("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    expect(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
      .toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    expect(hex(sha256("a".repeat(1_000_000)))).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  })

  it("hashes a string as UTF-8", () => {
    expect(hex(sha256("€"))).toBe(hex(sha256(new Uint8Array([0xe2, 0x82, 0xac]))))
  })

  // Lengths around the 55/56/64-byte padding boundaries are where a digest goes wrong.
  it("agrees with node:crypto for every length from 0 to 200 bytes and on random inputs", () => {
    for (let n = 0; n <= 200; n++) {
      const input = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)
      expect(hex(sha256(input)), `length ${n}`).toBe(createHash("sha256").update(input).digest("hex"))
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (input) =>
      hex(sha256(input)) === createHash("sha256").update(input).digest("hex")
    ))
  })
})

describe("hmacSha256", () => {
  // RFC 4231 §4: test cases 1, 2, 3, 4, 6 (a key longer than the block) and 7.
  it("matches the RFC 4231 vectors", () => {
    const cases: ReadonlyArray<readonly [Uint8Array | string, Uint8Array | string, string]> = [
      [unhex("0b".repeat(20)), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
      ["Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
      [unhex("aa".repeat(20)), unhex("dd".repeat(50)), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
      [unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), unhex("cd".repeat(50)),
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"],
      [unhex("aa".repeat(131)), "Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],
      [unhex("aa".repeat(131)),
        "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"]
    ]
    for (const [key, data, mac] of cases) expect(hex(hmacSha256(key, data))).toBe(mac)
  })

  it("agrees with node:crypto for keys of 0 to 130 bytes (the 64-byte block edge) and random keys and messages", () => {
    for (let n = 0; n <= 130; n++) {
      const key = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff)
      expect(hex(hmacSha256(key, "message")), `key length ${n}`).toBe(createHmac("sha256", key).update("message").digest("hex"))
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 2000 }), (key, message) =>
      hex(hmacSha256(key, message)) === createHmac("sha256", key).update(message).digest("hex")
    ))
  })
})
