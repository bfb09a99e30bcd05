import { expect, test } from "bun:test";
import type { AutoDestroyOutcome, Services } from "@terrapod/core";
import type { RunId } from "@terrapod/kernel";
import { autoDestroySweeper } from "./auto-destroy.ts";
import { createLogger } from "./logger.ts";

test("the auto-destroy loop queues due runs once per site and logs each outcome", async () => {
  const lines: { level: string; msg: string; runId?: string; reason?: string }[] = [];
  const log = createLogger({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const scheduledFor = new Date("2030-01-01T00:00:00Z");
  const outcomes: AutoDestroyOutcome[] = [
    { workspaceId: "ws-a", scheduledFor, runId: "run-a" as RunId },
    { workspaceId: "ws-b", scheduledFor, error: "the workspace has no uploaded configuration version" },
  ];
  const runs = { queueDueAutoDestroys: async () => outcomes } as unknown as Services["runs"];
  const loop = autoDestroySweeper({ services: { runs }, log });
  expect(loop.exclusive).toBe(true);
  await loop.tick();
  expect(lines.map((l) => [l.level, l.msg, l.runId ?? l.reason])).toEqual([
    ["info", "queued an auto-destroy run", "run-a"],
    ["warn", "auto-destroy could not queue its run", "the workspace has no uploaded configuration version"],
  ]);
});
