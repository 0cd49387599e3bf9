/**
 * Test helpers: fixture loading and core inputs. The scripted HttpClient, `response` and the core
 * services around a layer come from @refract/testkit's ConnectorTest.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { requests } from "@refract/testkit/connector/ConnectorTest"

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))

/** The raw bytes of a fixture. */
export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)))

export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")

export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name))

export const { createRequest, reference } = requests("stripe")
