/** Tiny assertions for the scratch app: a failed check names what was expected and exits non-zero. */
export function check(condition: unknown, what: string): asserts condition {
  if (!condition) {
    console.error(`packaging check FAILED: ${what}`)
    process.exit(1)
  }
  console.log(`  ok  ${what}`)
}

/** Fails the script if it has not finished in time (a hung server, a lost promise). */
export const deadline = (millis: number, name: string): void => {
  setTimeout(() => {
    console.error(`packaging check FAILED: ${name} did not finish within ${millis} ms`)
    process.exit(1)
  }, millis).unref()
}
