/**
 * The on-disk workspace keeps the contract the Reconciler's resume relies on: flushed lines read back
 * in order, lengths are positions truncate returns to, unflushed lines are dropped by truncate, and
 * the checkpoint is replaced whole.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeReconcileWorkspace } from "@refract/node"

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "refract-ws-"))

describe("NodeReconcileWorkspace", () => {
  it.effect("appends, flushes, measures, truncates and reads back", () =>
    Effect.gen(function*() {
      const directory = tempDir()
      const ws = yield* NodeReconcileWorkspace.make({ directory })
      yield* ws.append("truth-1", ["a", "b"])
      assert.strictEqual(yield* ws.length("truth-1"), 0, "nothing is on disk before a flush")
      yield* ws.flush
      const mark = yield* ws.length("truth-1")
      assert.strictEqual(mark, 4)
      yield* ws.append("truth-1", ["c \u00e9"])
      yield* ws.flush
      yield* ws.append("truth-1", ["lost"])
      assert.deepStrictEqual(yield* Stream.runCollect(ws.lines("truth-1")), ["a", "b", "c \u00e9"])
      yield* ws.truncate("truth-1", mark)
      yield* ws.flush
      assert.deepStrictEqual(yield* Stream.runCollect(ws.lines("truth-1")), ["a", "b"])
      assert.deepStrictEqual(yield* Stream.runCollect(ws.lines("missing")), [])
      assert.strictEqual(yield* ws.length("missing"), 0)
      fs.rmSync(directory, { recursive: true })
    }))

  it.effect("writes through on its own past the buffer limit", () =>
    Effect.gen(function*() {
      const directory = tempDir()
      const ws = yield* NodeReconcileWorkspace.make({ directory, bufferBytes: 10 })
      yield* ws.append("ledger-0", ["0123456789", "x"])
      assert.strictEqual(yield* ws.length("ledger-0"), 13)
      fs.rmSync(directory, { recursive: true })
    }))

  it.effect("keeps the checkpoint across instances and refuses names that leave the directory", () =>
    Effect.gen(function*() {
      const directory = tempDir()
      const first = yield* NodeReconcileWorkspace.make({ directory })
      assert.isTrue(Option.isNone(yield* first.loadCheckpoint))
      yield* first.saveCheckpoint("{\"phase\":\"truth\"}")
      const second = yield* NodeReconcileWorkspace.make({ directory })
      assert.deepStrictEqual(yield* second.loadCheckpoint, Option.some("{\"phase\":\"truth\"}"))
      assert.isFalse(fs.existsSync(path.join(directory, "checkpoint.json.tmp")))
      const escaped = yield* Effect.flip(second.append("../../etc/passwd", ["x"]).pipe(Effect.andThen(second.flush)))
      assert.strictEqual(escaped._tag, "WorkspaceError")
      fs.rmSync(directory, { recursive: true })
    }))
})
