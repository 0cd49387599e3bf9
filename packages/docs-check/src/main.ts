/** `pnpm --filter @refract/docs-check check-docs`: compiles every documented code block and lists what fails. */
import { check, format } from "./check.ts"
import { knownFailures } from "./known-failures.ts"

const report = await check()
for (const { file, blocks } of report.checked) if (blocks > 0) console.log(`${String(blocks).padStart(3)} ${file}`)
for (const { block, reason } of report.skipped) console.log(`skip ${block.file}:${block.line}: ${reason}`)
for (const f of report.known) console.log(`known failure ${f.location}: ${f.message}`)
for (const { entry, problem } of report.staleKnownFailures) console.error(`known-failures entry ${entry.file} "${entry.startsWith}": ${problem}`)
if (report.staleKnownFailures.length > 0) process.exitCode = 1
if (report.failures.length > 0) {
  console.error(format(report.failures))
  process.exitCode = 1
} else {
  const total = report.checked.reduce((n, c) => n + c.blocks, 0)
  const knownBlocks = knownFailures.length
  console.log(`docs-check: ${total - knownBlocks} of ${total} code blocks compile (${knownBlocks} known failures, ${report.skipped.length} skipped)`)
}
