import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.ts"

// The two campaign files run side by side: each mostly waits on its virtual clock's settling.
export default mergeConfig(shared, { test: { globalSetup: ["test/globalSetup.ts"], fileParallelism: true, maxWorkers: 2 } })
