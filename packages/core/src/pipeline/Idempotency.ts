/**
 * Idempotency keys derived from the merchant refund id.
 *
 * The key is a pure function of (merchant refund id, processor rules): every attempt, every retry,
 * every process restart sends the same key for the same refund. That is what makes a retry after a
 * timeout safe: the processor replays the first outcome instead of refunding twice. (A random key
 * per attempt, or one stored in a row that is deleted on failure, is how double refunds happen.)
 */
import { Base64Url } from "effect/encoding"
import type { IdempotencyKeyRules } from "../connector/Connector.ts"
import { sha256 } from "../crypto/Sha256.ts"

const prefix = "refract-"
const safe = /^[A-Za-z0-9_-]+$/

/** The idempotency key for a merchant refund id under a processor's rules. */
export const derive = (merchantRefundId: string, rules: IdempotencyKeyRules): string => {
  const direct = `${prefix}${merchantRefundId}`
  const fits = direct.length <= rules.maxLength && direct.length >= (rules.minLength ?? 0) &&
    safe.test(merchantRefundId) && (rules.pattern === undefined || rules.pattern.test(direct))
  if (fits) return direct
  // Too long, too short or with characters the processor refuses: a hash keeps it deterministic.
  const digest = Base64Url.encode(sha256(merchantRefundId))
  const length = Math.max(Math.min(rules.maxLength - prefix.length, digest.length), 16)
  return `${prefix}${digest.slice(0, length)}`
}
