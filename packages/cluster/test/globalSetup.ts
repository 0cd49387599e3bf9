/**
 * One PostgreSQL for the whole test run: REFRACT_TEST_DATABASE_URL if set, else an embedded server
 * in a temporary directory on a free port, stopped and deleted when the run ends (also on failure).
 * Test files read the URL with `inject("databaseUrl")`; each test isolates itself in its own schema.
 */
import { forTests } from "@refract/store-pg/Embedded"

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string
  }
}

export default async function setup(project: { provide: (key: "databaseUrl", value: string) => void }) {
  const database = await forTests()
  console.error(`refract tests: ${database.description}`)
  project.provide("databaseUrl", database.url)
  return database.stop
}
