import { describe, expect, test } from "bun:test";
import {
  hostKey,
  isPreviousLocalExecutor,
  localExecutorId,
  parseLocalExecutorId,
  sameHost,
} from "./executor-identity.ts";

const here = hostKey();
const elsewhere = "0123456789ab" === here ? "ba9876543210" : "0123456789ab";
const alive = new Set(["4242:77"]);
const serverAlive = async (pid: number, ticks: number) => alive.has(`${pid}:${ticks}`);

describe("local executor ids", () => {
  test("name this host, this process and its start time", () => {
    const id = localExecutorId();
    const parsed = parseLocalExecutorId(id);
    expect(parsed?.hostKey).toBe(here);
    expect(parsed?.pid).toBe(process.pid);
    expect(parsed?.startTicks).toBeGreaterThan(0);
    expect(localExecutorId()).not.toBe(id);
    expect(parseLocalExecutorId("local:abcdefghij")).toBeUndefined();
    expect(parseLocalExecutorId("pool-executor-1")).toBeUndefined();
  });
});

describe("phases of a previous process", () => {
  const self = `local:${here}:100:5:me`;
  test("embedded: every other local executor is a previous process (the data dir is one process's)", async () => {
    for (const claimant of [`local:${here}:4242:77:x`, `local:${elsewhere}:1:1:x`, "local:oldformat1"]) {
      expect(await isPreviousLocalExecutor(claimant, self, "embedded", serverAlive)).toBe(true);
    }
    expect(await isPreviousLocalExecutor(self, self, "embedded", serverAlive)).toBe(false);
    expect(await isPreviousLocalExecutor("remote-1", self, "embedded", serverAlive)).toBe(false);
    expect(await isPreviousLocalExecutor(null, self, "embedded", serverAlive)).toBe(false);
  });

  test("production: only a dead server process of this host; live replicas and other hosts are left alone", async () => {
    expect(await isPreviousLocalExecutor(`local:${here}:4243:77:x`, self, "production", serverAlive)).toBe(
      true,
    );
    expect(await isPreviousLocalExecutor(`local:${here}:4242:77:x`, self, "production", serverAlive)).toBe(
      false,
    );
    expect(await isPreviousLocalExecutor(`local:${elsewhere}:9:9:x`, self, "production", serverAlive)).toBe(
      false,
    );
    expect(await isPreviousLocalExecutor("local:oldformat1", self, "production", serverAlive)).toBe(false);
  });

  test("recorded pids are only meaningful on the same host and pid namespace", () => {
    expect(sameHost(`local:${here}:9:9:x`, self)).toBe(true);
    expect(sameHost(`local:${elsewhere}:9:9:x`, self)).toBe(false);
    expect(sameHost("local:oldformat1", self)).toBe(false);
  });
});
