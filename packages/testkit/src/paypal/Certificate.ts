/**
 * A minimal self-signed X.509 v3 certificate builder (DER by hand), so the PayPal emulator can publish a
 * certificate for its RSA webhook-signing key without a dependency. Node's `crypto` makes keys and signs, but
 * cannot create certificates. The result is parsed by `crypto.X509Certificate` and verifies against itself.
 *
 * @since 0.1.0
 */
import type { KeyObject } from "node:crypto"
import { generateKeyPair, randomBytes, sign } from "node:crypto"

const length = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n])
  const bytes: Array<number> = []
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

const tlv = (tag: number, content: Uint8Array): Buffer => Buffer.concat([Buffer.from([tag]), length(content.length), content])

const sequence = (...items: ReadonlyArray<Uint8Array>): Buffer => tlv(0x30, Buffer.concat(items))
const set = (...items: ReadonlyArray<Uint8Array>): Buffer => tlv(0x31, Buffer.concat(items))

/** A non-negative INTEGER from big-endian bytes (a leading zero is added when the high bit is set). */
const integer = (bytes: Uint8Array): Buffer => {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  const trimmed = Buffer.from(bytes.subarray(start))
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed)
}

const oid = (dotted: string): Buffer => {
  const parts = dotted.split(".").map(Number)
  const bytes: Array<number> = [parts[0]! * 40 + parts[1]!]
  for (const part of parts.slice(2)) {
    const chunk: Array<number> = [part & 0x7f]
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift((rest & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return tlv(0x06, Buffer.from(bytes))
}

const utf8String = (value: string): Buffer => tlv(0x0c, Buffer.from(value, "utf8"))
const printableString = (value: string): Buffer => tlv(0x13, Buffer.from(value, "ascii"))

/** UTCTime (`YYMMDDHHMMSSZ`), valid for 1950–2049. */
const utcTime = (date: Date): Buffer => {
  const iso = date.toISOString()
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
  return tlv(0x17, Buffer.from(text, "ascii"))
}

const sha256WithRsa = sequence(oid("1.2.840.113549.1.1.11"), Buffer.from([0x05, 0x00]))

/** Subject / issuer of a certificate. */
export interface CertificateName {
  readonly country?: string
  readonly organization?: string
  readonly commonName: string
}

const name = (subject: CertificateName): Buffer =>
  sequence(
    ...(subject.country === undefined ? [] : [set(sequence(oid("2.5.4.6"), printableString(subject.country)))]),
    ...(subject.organization === undefined ? [] : [set(sequence(oid("2.5.4.10"), utf8String(subject.organization)))]),
    set(sequence(oid("2.5.4.3"), utf8String(subject.commonName)))
  )

/** Wraps DER bytes as PEM with the given label. */
export const toPem = (der: Uint8Array, label: string): string => {
  const base64 = Buffer.from(der).toString("base64")
  const lines = base64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`
}

/**
 * A self-signed X.509 v3 certificate (sha256WithRSAEncryption) for `publicKey`, signed with `privateKey`.
 * Returns the PEM.
 */
export const selfSignedCertificate = (input: {
  readonly publicKey: KeyObject
  readonly privateKey: KeyObject
  readonly subject: CertificateName
  readonly notBefore: Date
  readonly notAfter: Date
}): string => {
  const serial = randomBytes(16)
  serial[0] = serial[0]! & 0x7f
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    sha256WithRsa,
    name(input.subject),
    sequence(utcTime(input.notBefore), utcTime(input.notAfter)),
    name(input.subject),
    input.publicKey.export({ type: "spki", format: "der" })
  )
  const signature = sign("sha256", tbs, input.privateKey)
  const der = sequence(tbs, sha256WithRsa, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])))
  return toPem(der, "CERTIFICATE")
}

/** The webhook-signing material of one PayPal emulator. */
export interface SigningMaterial {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly certificatePem: string
}

/** Generates a 2048-bit RSA key pair and a self-signed certificate for it (valid from yesterday for a year). */
export const generateSigningMaterial = (commonName: string): Promise<SigningMaterial> =>
  new Promise((resolve, reject) => {
    generateKeyPair("rsa", { modulusLength: 2048 }, (error, publicKey, privateKey) => {
      if (error !== null) return reject(error)
      const now = Date.now()
      const certificatePem = selfSignedCertificate({
        publicKey,
        privateKey,
        subject: { country: "US", organization: "Refract PayPal emulator (self-signed)", commonName },
        notBefore: new Date(now - 86_400_000),
        notAfter: new Date(now + 365 * 86_400_000)
      })
      resolve({ privateKey, publicKey, certificatePem })
    })
  })
