/**
 * Who a local executor is: `local:<host>:<pid>:<start ticks>:<random>`. `<host>` names the machine boot
 * and pid namespace the server runs in (pids mean something only there), `<pid>:<start ticks>` the
 * server process. A restarted server uses them to tell phases of a dead process of its own from
 * phases of replicas that still run (production shape), and whether it can see their processes.
 */
import { createHash } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { randomIdPart } from "@terrapod/kernel";
import { parseProcStat } from "./process-tree.ts";

export type LocalExecutorIdentity = {
  readonly hostKey: string;
  readonly pid: number;
  /** 0 where it cannot be known (no /proc). */
  readonly startTicks: number;
};

const orEmpty = (read: () => string) => {
  try {
    return read().trim();
  } catch {
    return "";
  }
};

/** The boot, pid namespace and host name this process runs in, as a short hash. */
export function hostKey(): string {
  const parts = [
    orEmpty(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8")),
    orEmpty(() => readlinkSync("/proc/self/ns/pid")),
    hostname(),
  ];
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 12);
}

/** A new executor id for this process. */
export function localExecutorId(): string {
  const stat = parseProcStat(orEmpty(() => readFileSync("/proc/self/stat", "utf8")));
  return `local:${hostKey()}:${process.pid}:${stat?.startTicks ?? 0}:${randomIdPart(6)}`;
}

/** The identity in a local executor id; undefined for other executors and ids of older versions. */
export function parseLocalExecutorId(id: string | null): LocalExecutorIdentity | undefined {
  const m = /^local:([0-9a-f]{12}):(\d+):(\d+):[^:]+$/.exec(id ?? "");
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { hostKey: m[1], pid: Number(m[2]), startTicks: Number(m[3]) };
}

/**
 * Whether phases claimed by `claimant` were left by a previous process (so this one must end them).
 * Embedded: the data dir belongs to one process, so every other local executor is a previous one.
 * Production (replicas share the database): only a local executor of this host and pid namespace whose
 * server process is gone (`serverAlive` false); others are left to the stale-heartbeat sweeper.
 */
export async function isPreviousLocalExecutor(
  claimant: string | null,
  self: string,
  mode: "embedded" | "production",
  serverAlive: (pid: number, startTicks: number) => Promise<boolean>,
): Promise<boolean> {
  if (claimant === null || claimant === self || !claimant.startsWith("local:")) return false;
  if (mode === "embedded") return true;
  const them = parseLocalExecutorId(claimant);
  const me = parseLocalExecutorId(self);
  if (!them || !me || them.hostKey !== me.hostKey || them.startTicks === 0) return false;
  return !(await serverAlive(them.pid, them.startTicks));
}

/** True when pids recorded by `claimant` are pids of this host and pid namespace. */
export function sameHost(claimant: string | null, self: string): boolean {
  const them = parseLocalExecutorId(claimant);
  return them !== undefined && them.hostKey === parseLocalExecutorId(self)?.hostKey;
}
