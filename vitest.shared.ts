import { defineConfig } from "vitest/config"

// Shared by every package's vitest.config.ts. Tests run the TypeScript sources directly.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default", ["json", { outputFile: "test-results.json" }]]
  }
})
