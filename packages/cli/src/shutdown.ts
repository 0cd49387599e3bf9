/**
 * What a SIGINT/SIGTERM means for the exit code. By default an interrupted command exits with 130;
 * long-running servers (`refract emulator`) are stopped that way on purpose and exit with 0.
 */
let stopBySignalIsSuccess = false

/** Called by server commands once they are up: a signal is their normal way to stop. */
export const signalStopsGracefully = (): void => {
  stopBySignalIsSuccess = true
}

export const interruptExitCode = (): number => (stopBySignalIsSuccess ? 0 : 130)
