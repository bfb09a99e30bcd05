import { readFile } from "node:fs/promises";
import { join } from "node:path";

export const repoRoot = join(import.meta.dir, "..");
export const serverMain = join(repoRoot, "apps", "server", "src", "main.ts");

export async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Resident set size of a process, from /proc (Linux). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

/** Peak resident set size of a process so far (VmHWM). */
export async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? "0") * 1024;
}

export function startServer(env: Record<string, string>) {
  return Bun.spawn([process.execPath, serverMain], {
    env: {
      PATH: Bun.env.PATH ?? "/usr/bin:/bin",
      HOME: Bun.env.HOME ?? "/tmp",
      TERRAPOD_LOG_LEVEL: "warn",
      ...env,
    },
    stdout: "ignore",
    stderr: "inherit",
  });
}

/** Milliseconds until `GET url` answers with `status`. */
export async function timeUntil(
  url: string,
  status: number,
  started: number,
  timeoutMs = 120_000,
): Promise<number> {
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === status) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${url} did not answer ${status}`);
    await Bun.sleep(10);
  }
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function verdict(ok: boolean): string {
  return ok ? "ok" : "MISSED";
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
