/**
 * One PostgreSQL for the whole test run: REFRACT_TEST_DATABASE_URL if set, else an embedded server
 * in a temporary directory on a free port, stopped and deleted when the run ends (also on failure).
 * Test files read the URL with `inject("databaseUrl")`.
 */
import { provideForTests } from "@refract/store-pg/Embedded"

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string
  }
}

export default provideForTests
