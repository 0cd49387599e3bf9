/**
 * Secrets never reach the terminal. Values read for secret credential fields are remembered here so
 * that every line the CLI writes to stderr can be scrubbed, whatever produced it; the only way a
 * secret is ever shown is {@link mask}: its well-known prefix and asterisks (`sk_test_****`).
 */

const known = new Set<string>()

/** Remembers a secret value so that {@link scrub} removes it from output. */
export const remember = (secret: string): void => {
  if (secret.length >= 4) known.add(secret)
}

/** `sk_test_****`, `AQE_****`, `****`: at most a non-secret prefix (letters and underscores before the last underscore). */
export const mask = (secret: string): string => {
  const prefix = /^(?:[A-Za-z]{2,4}_(?:test_|live_)?)/.exec(secret)?.[0] ?? ""
  return `${prefix.length <= secret.length / 2 ? prefix : ""}****`
}

/** Replaces every remembered secret in `text` with its mask. */
export const scrub = (text: string): string => {
  let out = text
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join(mask(secret))
  }
  return out
}
