/**
 * Processes as Linux shows them in /proc: enough to tell whether a recorded runner still runs (a pid
 * with the same start time: pids are reused) and to stop it with everything it started, including an
 * engine in its own process group. Elsewhere (no /proc) nothing can be verified and callers say so.
 */
import { readdir, readFile } from "node:fs/promises";

export type ProcInfo = {
  readonly pid: number;
  readonly ppid: number;
  /** Process group id. */
  readonly pgrp: number;
  /** R, S, D, T, Z (zombie), X (dead), … */
  readonly state: string;
  /** Start time in clock ticks after boot (field 22). */
  readonly startTicks: number;
};

/** Parses `/proc/<pid>/stat`; the command (field 2) may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcInfo | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields from 3 on: state(3) ppid(4) pgrp(5) … starttime(22).
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const [state, ppid, pgrp, startTicks] = [rest[0], Number(rest[1]), Number(rest[2]), Number(rest[19])];
  if (!state || ![pid, ppid, pgrp, startTicks].every(Number.isSafeInteger)) return undefined;
  return { pid, ppid, pgrp, state, startTicks };
}

/** The process, or undefined when there is none (or no /proc). */
export async function readProc(pid: number): Promise<ProcInfo | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** True when processes can be inspected here (Linux /proc). */
export async function canInspectProcesses(): Promise<boolean> {
  return (await readProc(process.pid)) !== undefined;
}

/** Start time (clock ticks after boot) of a process, to recognise it later; undefined without /proc. */
export async function processStartTicks(pid: number): Promise<number | undefined> {
  return (await readProc(pid))?.startTicks;
}

const isDead = (p: ProcInfo) => p.state === "Z" || p.state === "X";

/** True while `pid` is the process that started at `startTicks` and has not exited (zombies have). */
export async function isAlive(pid: number, startTicks: number): Promise<boolean> {
  const p = await readProc(pid);
  return p !== undefined && p.startTicks === startTicks && !isDead(p);
}

/** Every live process. */
export async function listProcs(): Promise<ProcInfo[]> {
  const names = await readdir("/proc").catch(() => [] as string[]);
  const procs = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => readProc(Number(n))));
  return procs.filter((p): p is ProcInfo => p !== undefined && !isDead(p));
}

/** A process and everything it started: its descendants and the process groups led by any of them. */
export type ProcessTree = { readonly members: Map<number, number>; readonly groups: Set<number> };

/** `root`, its descendants, members of groups they lead (by pid → start ticks). */
export function treeOf(procs: readonly ProcInfo[], root: ProcInfo): ProcessTree {
  const members = new Map<number, number>([[root.pid, root.startTicks]]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (members.has(p.pid) || !members.has(p.ppid)) continue;
      members.set(p.pid, p.startTicks);
      grew = true;
    }
  }
  // Only groups whose leader is in the tree: a runner that is not a group leader shares its group with
  // the server that started it (and maybe with whatever started the server), which must not be signalled.
  const groups = new Set(
    [...members.keys()].filter((pid) => procs.some((p) => p.pid === pid && p.pgrp === pid)),
  );
  for (const p of procs) if (groups.has(p.pgrp)) members.set(p.pid, p.startTicks);
  return { members, groups };
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: already gone; EPERM cannot happen for our own children as root, and is no reason to stop.
  }
}

function signalTree(tree: ProcessTree, sig: NodeJS.Signals): void {
  for (const g of tree.groups) signal(-g, sig);
  for (const pid of tree.members.keys()) signal(pid, sig);
}

/** Members of `tree` still running (same pid and start time), and new members of its groups. */
async function survivors(tree: ProcessTree): Promise<ProcessTree> {
  const procs = await listProcs();
  const members = new Map<number, number>();
  for (const p of procs) {
    if (tree.members.get(p.pid) === p.startTicks || tree.groups.has(p.pgrp)) members.set(p.pid, p.startTicks);
  }
  return { members, groups: tree.groups };
}

async function waitGone(tree: ProcessTree, untilMs: number): Promise<ProcessTree> {
  let left = await survivors(tree);
  while (left.members.size > 0 && Date.now() < untilMs) {
    await Bun.sleep(100);
    left = await survivors(tree);
  }
  return left;
}

export type StopOutcome =
  /** No such process (or a different one under that pid): nothing to stop. */
  | "not-running"
  /** It ran and is gone now, with everything it started. */
  | "stopped"
  /** Something survived SIGKILL (a process stuck in the kernel). */
  | "survived"
  /** No /proc: cannot tell. */
  | "unknown";

/**
 * Stops the process `pid` that started at `startTicks`, with its descendants and the process groups they
 * lead: SIGTERM (and SIGCONT, so a stopped process hears it), then SIGKILL after `termGraceMs`, then
 * waits up to `killWaitMs` for all of them to be gone.
 */
export async function stopProcessTree(
  pid: number,
  startTicks: number,
  opts: { readonly termGraceMs: number; readonly killWaitMs: number },
): Promise<StopOutcome> {
  if (!(await canInspectProcesses())) return "unknown";
  const root = await readProc(pid);
  if (!root || root.startTicks !== startTicks || isDead(root)) return "not-running";
  const tree = treeOf(await listProcs(), root);
  signalTree(tree, "SIGTERM");
  signalTree(tree, "SIGCONT");
  let left = await waitGone(tree, Date.now() + opts.termGraceMs);
  if (left.members.size === 0) return "stopped";
  signalTree(left, "SIGKILL");
  left = await waitGone(left, Date.now() + opts.killWaitMs);
  return left.members.size === 0 ? "stopped" : "survived";
}
