/**
 * Blocks known not to compile, each with the reason it is not fixed here. They are still compiled:
 * their errors are reported as known, and the test fails once one compiles (remove its entry then)
 * or can no longer be found. Keep this list empty whenever possible.
 */
export interface KnownFailure {
  readonly file: string
  /** The start of the block's first code line (robust to the file's lines moving). */
  readonly startsWith: string
  readonly reason: string
}

export const knownFailures: ReadonlyArray<KnownFailure> = []
