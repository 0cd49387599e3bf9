import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.ts"

// The test files share no global state (every emulator and receiver is its own server on an ephemeral
// port), so workers are reused across files: importing effect + platform-node + stripe once per worker
// instead of once per file halves the suite's wall time.
export default mergeConfig(shared, { test: { isolate: false } })
