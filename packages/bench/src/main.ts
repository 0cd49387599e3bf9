/**
 * `npm run bench` (`node packages/bench/src/main.ts`): the refund client bench, the webhook receiver
 * bench, the reconciliation bench and the cluster tracking bench, each side by side with the
 * alternatives in one run, reported as ratios (see README.md). It reports; it does not gate: exit 0
 * whether the goals pass or not (the cluster bench's scaling included), 1 when a bench process
 * crashes or a cluster contender could not finish its workflows, 2 on a bad flag.
 */
import { writeFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import { type ClientBenchReport, commandLine, formatClientReport, runClientBench } from "./client.ts"
import { estimate as clusterEstimate, type Result as ClusterResult, runClusterBench, table as clusterTable } from "./cluster.ts"
import { type Result as ReceiverResult, receiverGoals, runReceiverBench, table as receiverTable } from "./receiver.ts"
import { goals as reconcileGoals, type Result as ReconcileResult, runReconcileBench, table as reconcileTable } from "./reconcile.ts"
import { type Result as SearchResult, runSearchBench, table as searchTable } from "./search.ts"

const usage = `usage: node packages/bench/src/main.ts [--rounds N] [--sequential N] [--seconds S] [--warmup N] [--refunds N] [--workflows N] [--concurrency N] [--stored N] [--only client|receiver|reconcile|cluster|search] [--json FILE]
  --rounds N       rounds; every contender runs once per round, medians across rounds (default 3)
  --sequential N   sequential calls measured at c=1, per phase (default 2000)
  --seconds S      seconds measured at c=64, per phase (default 3)
  --warmup N       warm-up calls before measuring (default 2000: the JIT settles)
  --refunds N      refunds in the reconciliation bench's book (default 1000000)
  --workflows N    tracking workflows per contender in the cluster bench (default 600)
  --concurrency N  creates in flight at once in the cluster bench (default 32)
  --stored N       refunds in the store the search bench searches (default 100000)
  --only WHICH     only the client, the receiver, the reconciliation, the cluster or the search bench
  --json FILE      also write the full report (every run, the medians, the goals) as JSON`

const fail = (message: string): never => {
  process.stderr.write(`${message}\n${usage}\n`)
  process.exit(2)
}

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        rounds: { type: "string", default: "3" },
        sequential: { type: "string", default: "2000" },
        seconds: { type: "string", default: "3" },
        warmup: { type: "string", default: "2000" },
        only: { type: "string" },
        refunds: { type: "string", default: "1000000" },
        workflows: { type: "string", default: "600" },
        concurrency: { type: "string", default: "32" },
        stored: { type: "string", default: "100000" },
        json: { type: "string" },
        help: { type: "boolean", short: "h" }
      }
    }).values
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error))
  }
})()
if (parsed.help === true) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}

const number = (flag: string, value: string, integer: boolean) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) fail(`--${flag} wants a positive ${integer ? "integer" : "number"}, not "${value}"`)
  return n
}
const options = {
  rounds: number("rounds", parsed.rounds, true),
  sequential: number("sequential", parsed.sequential, true),
  seconds: number("seconds", parsed.seconds, false),
  warmup: number("warmup", parsed.warmup, true),
  command: commandLine()
}
const only = parsed.only
if (only !== undefined && !["client", "receiver", "reconcile", "cluster", "search"].includes(only)) {
  fail(`--only wants client, receiver, reconcile, cluster or search, not "${only}"`)
}
const refunds = number("refunds", parsed.refunds, true)
const workflows = number("workflows", parsed.workflows, true)
const concurrency = number("concurrency", parsed.concurrency, true)
const stored = number("stored", parsed.stored, true)

const report: { client?: ClientBenchReport; receiver?: ReceiverResult; reconcile?: ReconcileResult; cluster?: ClusterResult; search?: SearchResult } = {}
const progress = (line: string) => process.stderr.write(`${line}\n`)

try {
  if (only === undefined || only === "client") {
    progress(`client bench: ${options.rounds} round(s), each contender in its own process…`)
    report.client = await runClientBench({
      ...options,
      onRun: ({ round, result }) => progress(`  round ${round}: ${result.name} done`)
    })
    process.stdout.write(`${formatClientReport(report.client)}\n`)
  }
  if (only === undefined || only === "receiver") {
    progress(`receiver bench: ${options.rounds} round(s), each server in its own process…`)
    report.receiver = await runReceiverBench({ rounds: options.rounds, log: progress })
    process.stdout.write(`\n# Webhook receiver: signed Stripe deliveries, 64 senders\n\n${receiverTable(report.receiver)}\n\n${receiverGoals(report.receiver)}\n`)
  }
  if (only === undefined || only === "reconcile") {
    progress(`reconciliation bench: ${refunds.toLocaleString("en")} refunds against the Stripe emulator…`)
    report.reconcile = await runReconcileBench({ refunds, log: progress })
    process.stdout.write(
      `\n# Reconciliation: ${refunds.toLocaleString("en")} refunds, 1% seeded as each kind of discrepancy\n\n${reconcileTable(report.reconcile)}\n\n${reconcileGoals(report.reconcile)}\n`
    )
  }
  if (only === undefined || only === "cluster") {
    progress(`cluster bench: ${workflows} tracking workflows on 1, 2 and 3 runners and on the in-process tracker…`)
    const started = Date.now()
    report.cluster = await runClusterBench({ workflows, concurrency, log: progress })
    const c = report.cluster
    process.stdout.write(
      `\n# Cluster tracking: ${workflows} refunds tracked to the end per contender, ${c.options.concurrency} creates at a time\n\n` +
        `${c.machine.cpus} CPUs (${c.machine.model}), Node ${c.machine.node}, PostgreSQL ${c.machine.postgres} (embedded, fsync off), ${c.machine.date}; ` +
        `runner flags --poll-initial-delay ${c.options.flags.pollInitialDelay} --poll-max-delay ${c.options.flags.pollMaxDelay} --reversal-window ${c.options.flags.reversalWindow}; ` +
        `Stripe emulator settles after ${c.options.settleAfterMillis} ms; ${c.options.warmup} warm-up workflows each; bench took ${Math.round((Date.now() - started) / 1000)} s\n\n` +
        `${clusterTable(c)}\n\n${clusterEstimate(c)}\n`
    )
    if (c.runs.some((run) => run.error !== undefined)) process.exitCode = 1
  }
  if (only === undefined || only === "search") {
    progress(`search bench: ${stored.toLocaleString("en")} refunds in an embedded PostgreSQL, searched over the API, the store and SQL…`)
    report.search = await runSearchBench({ stored, log: progress })
    const s = report.search
    process.stdout.write(
      `\n# Support search: ${s.stored.toLocaleString("en")} stored refunds (seeded in ${s.seedSeconds.toFixed(0)} s), ${s.samples} searches per query, one at a time\n\n` +
        `${s.machine}\n\n${searchTable(s)}\n`
    )
  }
  if (parsed.json !== undefined) {
    await writeFile(parsed.json, `${JSON.stringify(report, null, 2)}\n`)
    progress(`report written to ${parsed.json}`)
  }
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
