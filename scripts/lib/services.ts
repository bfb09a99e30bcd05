/**
 * Real services for integration tests: PostgreSQL 15 and Redis 7 from Debian, and moto's standalone
 * S3-compatible server from PyPI. Each runs on a free loopback port in its own `mktemp -d` directory
 * and is stopped by pid (on `stop()`, and on SIGINT/SIGTERM through the shutdown hooks).
 *
 *   const services = await startServices(["postgres", "redis", "s3"]);
 *   try { ...use services.env... } finally { await services.stop(); }
 *
 * A run that was killed outright (SIGKILL) leaves its directories behind; the next `startServices`
 * stops what is still running in them and removes them.
 */
import { closeSync, existsSync, openSync } from "node:fs";
import { chown, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { interruptedBy, isAlive, killAndWait, mustRun, onShutdown, run, seconds } from "./proc.ts";
import { type AptNeed, ensureApt, ensureVenv } from "./tools.ts";

export type ServiceName = "postgres" | "redis" | "s3";
export const allServices: readonly ServiceName[] = ["postgres", "redis", "s3"];

export type Services = {
  /** Variables to pass to tests (TERRAPOD_TEST_DATABASE_URL, TERRAPOD_TEST_REDIS_URL, ...). */
  readonly env: Readonly<Record<string, string>>;
  /** The same variables, per service. */
  readonly byService: Readonly<Partial<Record<ServiceName, Readonly<Record<string, string>>>>>;
  /** Stops every service and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
};

export const MOTO_VERSION = "5.2.5";
const pgBin = process.env.TERRAPOD_PG_BINDIR || "/usr/lib/postgresql/15/bin";
const dirPrefix = "terrapod-svc-";

type Running = { readonly env: Record<string, string>; stop(): Promise<void> };

type ServiceDef = {
  /** Debian packages it needs (installed together, in one apt-get run). */
  readonly apt?: readonly AptNeed[];
  /** Installs anything else that is missing. */
  ensure?(): Promise<void>;
  /** Starts on `port` in `dir`; throws (after cleaning up) when it does not become ready. */
  start(dir: string, port: number): Promise<Running>;
  /** Stops whatever a dead run left in `dir`. */
  reap(dir: string): Promise<void>;
};

// ---------------------------------------------------------------------------------------------------
// public API

/** Installs what the given services need (apt packages, the moto venv), without starting them. */
export async function ensureServiceTools(which: readonly ServiceName[]): Promise<void> {
  const defs = which.map((name) => services[name]);
  // One apt-get run for all; the pip install overlaps with it (apt runs are queued in ensureApt).
  await Promise.all([ensureApt(defs.flatMap((def) => def.apt ?? [])), ...defs.map((def) => def.ensure?.())]);
}

export type StartOptions = {
  /** Where progress lines go (default console.log); the test runner buffers them during a phase. */
  readonly log?: (line: string) => void;
};

/** Starts the services in parallel; if one fails, the others are stopped and the error is thrown. */
export async function startServices(
  which: readonly ServiceName[],
  options: StartOptions = {},
): Promise<Services> {
  const log = options.log ?? ((line: string) => console.log(line));
  const names = [...new Set(which)];
  await reapStale(log);
  await ensureServiceTools(names);
  const started: Running[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      unregister();
      await Promise.all(started.map((service) => service.stop()));
    })();
    return stopping;
  };
  const unregister = onShutdown(stop);
  const byService: Partial<Record<ServiceName, Record<string, string>>> = {};
  const results = await Promise.allSettled(
    names.map(async (name) => {
      const service = await startOne(name, log);
      started.push(service);
      byService[name] = service.env;
    }),
  );
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await stop();
    throw new Error(failures.map((err) => (err instanceof Error ? err.message : String(err))).join("\n"));
  }
  const env: Record<string, string> = {};
  for (const service of started) Object.assign(env, service.env);
  return { env, byService, stop };
}

async function startOne(name: ServiceName, log: (line: string) => void): Promise<Running> {
  const def = services[name];
  const began = Date.now();
  let lastError: unknown;
  // A free port can be taken between the probe and the bind: try a few.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), `${dirPrefix}${name}-`));
    await writeFile(join(dir, "owner"), `${process.pid}\n`);
    // Covers a signal that arrives while the service is starting.
    const unregister = onShutdown(async () => {
      await def.reap(dir);
      await removeDir(dir);
    });
    try {
      const service = await def.start(dir, await freePort());
      log(`[services] ${name} ready in ${seconds(Date.now() - began)} (${Object.values(service.env)[0]})`);
      return service;
    } catch (err) {
      lastError = err;
      await removeDir(dir);
      if (interruptedBy()) break;
    } finally {
      unregister();
    }
  }
  throw lastError;
}

// ---------------------------------------------------------------------------------------------------
// helpers

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not get a free port"));
      });
    });
  });
}

type WaitOptions = {
  readonly timeoutMs: number;
  /** Shown (its last lines) when the service never comes up. */
  readonly logFile?: string;
  /** Returns false once the process has died, to fail at once instead of at the timeout. */
  readonly alive?: () => boolean;
};

/** Polls `probe` until it returns true; throws naming the service (with its log tail) otherwise. */
async function waitUntil(
  service: string,
  probe: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let why = `did not become ready within ${seconds(options.timeoutMs)}`;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    if (options.alive && !options.alive()) {
      why = "exited before it became ready";
      break;
    }
    await Bun.sleep(50);
  }
  throw new Error(`${service} ${why}${await logTail(options.logFile)}`);
}

async function logTail(file: string | undefined): Promise<string> {
  if (!file) return "";
  const text = (await readFile(file, "utf8").catch(() => "")).trim();
  return text ? `; last lines of ${file}:\n${text.split("\n").slice(-15).join("\n")}` : "";
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  const pid = Number.parseInt(text.split("\n")[0] ?? "", 10);
  return Number.isFinite(pid) && pid > 0 ? pid : undefined;
}

/** True when `pid` is alive and its command line mentions `name` (guards against reused pids). */
async function isProcess(pid: number, name: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  return cmdline === undefined ? true : cmdline.includes(name);
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => {});
}

/** Stops services left behind by runs whose orchestrator is gone (killed with SIGKILL, say). */
async function reapStale(log: (line: string) => void): Promise<void> {
  const base = tmpdir();
  const entries = await readdir(base).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(dirPrefix)) continue;
    const dir = join(base, entry);
    const owner = await readPid(join(dir, "owner"));
    if (owner !== undefined && isAlive(owner)) continue;
    // No owner file yet: a run may be starting right now; leave it unless it is old.
    if (
      owner === undefined &&
      ((await stat(dir).catch(() => undefined))?.mtimeMs ?? 0) > Date.now() - 60_000
    ) {
      continue;
    }
    const name = entry.slice(dirPrefix.length).split("-")[0] as ServiceName;
    const def = services[name];
    if (!def) continue;
    log(`[services] stopping ${name} left over from an earlier run (${dir})`);
    await def.reap(dir).catch(() => {});
    await removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL

/** As root, PostgreSQL must run as the `postgres` user. */
function asPostgres(cmd: string[]): string[] {
  return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
}

async function pgStop(dir: string): Promise<void> {
  const data = join(dir, "data");
  if (!existsSync(join(data, "postmaster.pid"))) return;
  const pid = await readPid(join(data, "postmaster.pid"));
  const stopped = await run(
    asPostgres([`${pgBin}/pg_ctl`, "-D", data, "-m", "fast", "-w", "-t", "20", "stop"]),
    {
      quiet: true,
    },
  );
  if (stopped.code !== 0 && pid !== undefined && (await isProcess(pid, "postgres")))
    await killAndWait(pid, 2000);
}

const postgresService: ServiceDef = {
  apt: [{ pkg: "postgresql", present: () => existsSync(`${pgBin}/initdb`) }],
  async start(dir, port) {
    const data = join(dir, "data");
    const log = join(dir, "postgres.log");
    if (process.getuid?.() === 0) {
      const uid = Number((await mustRun(["id", "-u", "postgres"])).trim());
      const gid = Number((await mustRun(["id", "-g", "postgres"])).trim());
      await chown(dir, uid, gid);
    }
    let ready = false;
    try {
      await mustRun(
        asPostgres([
          `${pgBin}/initdb`,
          "-D",
          data,
          "-A",
          "trust",
          "-U",
          "postgres",
          "-E",
          "UTF8",
          "--locale=C",
          "--no-sync",
          "--no-instructions",
        ]),
      );
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses=127.0.0.1",
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=200",
      ].join(" ");
      const started = await run(
        asPostgres([`${pgBin}/pg_ctl`, "-D", data, "-l", log, "-w", "-t", "30", "-o", options, "start"]),
        { quiet: true },
      );
      if (started.code !== 0) {
        throw new Error(
          `postgres did not start on port ${port}: ${started.output.trim()}${await logTail(log)}`,
        );
      }
      const isReady = [`${pgBin}/pg_isready`, "-q", "-h", "127.0.0.1", "-p", `${port}`];
      await waitUntil("postgres", async () => (await run(isReady, { quiet: true })).code === 0, {
        timeoutMs: 30_000,
        logFile: log,
      });
      ready = true;
    } finally {
      if (!ready) await pgStop(dir);
    }
    return {
      env: { TERRAPOD_TEST_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` },
      async stop() {
        await pgStop(dir);
        await removeDir(dir);
      },
    };
  },
  async reap(dir) {
    await pgStop(dir);
  },
};

// ---------------------------------------------------------------------------------------------------
// Redis

async function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

async function pidfileStop(file: string, name: string): Promise<void> {
  const pid = await readPid(file);
  if (pid !== undefined && (await isProcess(pid, name))) await killAndWait(pid);
}

const redisService: ServiceDef = {
  apt: [{ pkg: "redis-server", present: () => !!Bun.which("redis-server") }],
  async start(dir, port) {
    const pidfile = join(dir, "redis.pid");
    const log = join(dir, "redis.log");
    const stop = async () => {
      await pidfileStop(pidfile, "redis");
      await removeDir(dir);
    };
    try {
      await mustRun([
        Bun.which("redis-server") ?? "redis-server",
        "--port",
        `${port}`,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--pidfile",
        pidfile,
        "--dir",
        dir,
        "--logfile",
        log,
        "--daemonize",
        "yes",
      ]);
      await waitUntil("redis", () => redisPing(port), { timeoutMs: 10_000, logFile: log });
    } catch (err) {
      // The daemon may write its pidfile a moment after forking.
      await Bun.sleep(100);
      await stop();
      throw err;
    }
    return { env: { TERRAPOD_TEST_REDIS_URL: `redis://127.0.0.1:${port}` }, stop };
  },
  async reap(dir) {
    await pidfileStop(join(dir, "redis.pid"), "redis");
  },
};

// ---------------------------------------------------------------------------------------------------
// S3 (moto)

const motoVenv = () => ensureVenv(`moto-${MOTO_VERSION}`, `moto[server]==${MOTO_VERSION}`);

const s3Service: ServiceDef = {
  async ensure() {
    await motoVenv();
  },
  async start(dir, port) {
    const venv = await motoVenv();
    const log = join(dir, "moto.log");
    const fd = openSync(log, "a");
    let child: ReturnType<typeof Bun.spawn>;
    try {
      child = Bun.spawn({
        cmd: [join(venv, "bin", "moto_server"), "-H", "127.0.0.1", "-p", `${port}`],
        cwd: dir,
        stdin: "ignore",
        stdout: fd,
        stderr: fd,
        env: { ...process.env, PYTHONUNBUFFERED: "1" },
      });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    await writeFile(join(dir, "moto.pid"), `${pid}\n`);
    const stop = async () => {
      await killAndWait(pid);
      await removeDir(dir);
    };
    try {
      // Any HTTP answer means the server is up.
      const probe = async () => {
        await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
        return true;
      };
      await waitUntil("s3 (moto_server)", probe, {
        timeoutMs: 60_000,
        logFile: log,
        alive: () => child.exitCode === null && child.signalCode === null,
      });
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      env: {
        TERRAPOD_TEST_S3_ENDPOINT: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_REGION: "us-east-1",
      },
      stop,
    };
  },
  async reap(dir) {
    await pidfileStop(join(dir, "moto.pid"), "moto");
  },
};

const services: Record<ServiceName, ServiceDef> = {
  postgres: postgresService,
  redis: redisService,
  s3: s3Service,
};
