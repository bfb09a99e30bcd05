import { describe, expect, test } from "bun:test";
import type { Actor } from "@terrapod/kernel";
import { type AutoQueuePorts, autoQueueOnUpload } from "./auto-queue-on-upload.ts";

function recordingPorts() {
  const created: { actor: Actor; input: unknown }[] = [];
  const scheduled: string[] = [];
  const ports: AutoQueuePorts = {
    async createRun(actor, input) {
      created.push({ actor, input });
    },
    async schedule(workspaceId) {
      scheduled.push(workspaceId);
    },
  };
  return { ports, created, scheduled };
}

const cv = { id: "cv-1", workspaceId: "ws-1", autoQueueRuns: true, status: "uploaded" };

describe("auto-queue on upload", () => {
  test("an uploaded configuration with auto-queue-runs starts a run as the system", async () => {
    const r = recordingPorts();
    await autoQueueOnUpload(r.ports, cv);
    expect(r.created).toEqual([
      {
        actor: { kind: "system", reason: "auto-queue-runs" },
        input: {
          workspaceId: "ws-1",
          configurationVersionId: "cv-1",
          message: "Triggered by a configuration upload",
        },
      },
    ]);
    expect(r.scheduled).toEqual([]);
  });

  test.each([
    ["uploaded without auto-queue-runs", { ...cv, autoQueueRuns: false }],
    ["errored with auto-queue-runs", { ...cv, status: "errored" }],
    ["errored without auto-queue-runs", { ...cv, status: "errored", autoQueueRuns: false }],
  ])("%s: wakes the workspace queue and creates no run", async (_name, upload) => {
    const r = recordingPorts();
    await autoQueueOnUpload(r.ports, upload);
    expect(r.created).toEqual([]);
    expect(r.scheduled).toEqual(["ws-1"]);
  });
});
