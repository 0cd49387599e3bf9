/**
 * A reconciliation workspace on disk: what keeps `Reconciler.run`'s memory bounded whatever the
 * book's size, and lets `refract reconcile` resume after Ctrl-C, a crash or a reboot.
 *
 * Each partition file is a JSON Lines file in the directory; appends are buffered in memory up to
 * `bufferBytes` in all and written with one `appendFile` per file; the checkpoint is written to a
 * temporary file, synced, and renamed over the old one, so it is always whole.
 */
import { Effect, Layer, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as readline from "node:readline"
import { ReconcileWorkspace } from "@refract/core"

export interface Options {
  /** The directory (created if missing). One reconciliation per directory. */
  readonly directory: string
  /** Buffered bytes before appends are written through anyway. Default 8 MiB. */
  readonly bufferBytes?: number | undefined
}

const fileName = /^[a-z0-9-]{1,64}$/

const failure = (operation: string) => (cause: unknown) =>
  new ReconcileWorkspace.WorkspaceError({ operation, message: cause instanceof Error ? cause.message : String(cause), cause })

export const make = (options: Options): Effect.Effect<ReconcileWorkspace.Workspace, ReconcileWorkspace.WorkspaceError> =>
  Effect.gen(function*() {
    const directory = path.resolve(options.directory)
    const limit = options.bufferBytes ?? 8 * 1024 * 1024
    yield* Effect.tryPromise({ try: () => fs.promises.mkdir(directory, { recursive: true }), catch: failure("mkdir") })
    const pathOf = (file: string) => {
      // Names come from the Reconciler; refuse anything that could leave the directory all the same.
      if (!fileName.test(file)) throw new Error(`invalid workspace file name ${JSON.stringify(file)}`)
      return path.join(directory, `${file}.jsonl`)
    }
    const checkpointPath = path.join(directory, "checkpoint.json")
    const buffers = new Map<string, Array<string>>()
    let buffered = 0
    /** Bytes on disk per file, known from the first stat and every write since (no stat per checkpoint). */
    const sizes = new Map<string, number>()
    const sizeOf = async (file: string): Promise<number> => {
      const known = sizes.get(file)
      if (known !== undefined) return known
      const size = await fs.promises.stat(pathOf(file)).then((s) => s.size, (e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? 0 : Promise.reject(e)))
      sizes.set(file, size)
      return size
    }

    const flushAll = Effect.tryPromise({
      try: async () => {
        const all = [...buffers.entries()]
        buffers.clear()
        buffered = 0
        for (const [file, lines] of all) {
          const before = await sizeOf(file)
          const text = `${lines.join("\n")}\n`
          await fs.promises.appendFile(pathOf(file), text)
          sizes.set(file, before + Buffer.byteLength(text))
        }
      },
      catch: failure("flush")
    })

    const workspace: ReconcileWorkspace.Workspace = {
      append: (file, lines) =>
        Effect.suspend(() => {
          if (lines.length === 0) return Effect.void
          let buffer = buffers.get(file)
          if (buffer === undefined) buffers.set(file, buffer = [])
          for (const line of lines) {
            buffer.push(line)
            buffered += line.length + 1
          }
          return buffered > limit ? flushAll : Effect.void
        }),
      flush: flushAll,
      length: (file) => Effect.tryPromise({ try: () => sizeOf(file), catch: failure("length") }),
      truncate: (file, length) =>
        Effect.tryPromise({
          try: async () => {
            buffers.delete(file)
            const p = pathOf(file)
            const size = await sizeOf(file)
            if (size > length) {
              if (length === 0) await fs.promises.rm(p, { force: true })
              else await fs.promises.truncate(p, length)
            }
            sizes.set(file, Math.min(size, length))
          },
          catch: failure("truncate")
        }),
      lines: (file) =>
        Stream.suspend(() => {
          const p = pathOf(file)
          if (!fs.existsSync(p)) return Stream.empty
          const input = fs.createReadStream(p, { encoding: "utf8", highWaterMark: 1024 * 1024 })
          const reader = readline.createInterface({ input, crlfDelay: Infinity })
          return Stream.fromAsyncIterable(reader, failure("read")).pipe(Stream.ensuring(Effect.sync(() => reader.close())))
        }),
      readLines: (file) =>
        Effect.tryPromise({
          try: async () => {
            const text = await fs.promises.readFile(pathOf(file), "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? "" : Promise.reject(e)))
            if (text === "") return []
            const lines = text.split("\n")
            if (lines[lines.length - 1] === "") lines.pop()
            return lines
          },
          catch: failure("readLines")
        }),
      loadCheckpoint: Effect.tryPromise({
        try: () => fs.promises.readFile(checkpointPath, "utf8").then(Option.some, (e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? Option.none() : Promise.reject(e))),
        catch: failure("loadCheckpoint")
      }),
      saveCheckpoint: (text) =>
        Effect.tryPromise({
          try: async () => {
            const temporary = `${checkpointPath}.tmp`
            const handle = await fs.promises.open(temporary, "w")
            try {
              await handle.writeFile(text)
              await handle.sync()
            } finally {
              await handle.close()
            }
            await fs.promises.rename(temporary, checkpointPath)
          },
          catch: failure("saveCheckpoint")
        })
    }
    return workspace
  })

/** The workspace as the `ReconcileWorkspace` service. */
export const layer = (options: Options): Layer.Layer<ReconcileWorkspace.ReconcileWorkspace, ReconcileWorkspace.WorkspaceError> =>
  Layer.effect(ReconcileWorkspace.ReconcileWorkspace, make(options))
