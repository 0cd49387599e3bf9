/** `pnpm --filter @refract/docs-check check-docs`: compiles every documented code block and lists what fails. */
import { check, format } from "./check.ts"

const report = await check()
for (const { file, blocks } of report.checked) if (blocks > 0) console.log(`${String(blocks).padStart(3)} ${file}`)
for (const { block, reason } of report.skipped) console.log(`skip ${block.file}:${block.line}: ${reason}`)
if (report.failures.length > 0) {
  console.error(format(report.failures))
  process.exitCode = 1
} else {
  console.log(`docs-check: ${report.checked.reduce((n, c) => n + c.blocks, 0)} code blocks compile`)
}
