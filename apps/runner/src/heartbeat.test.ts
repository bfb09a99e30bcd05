import { expect, test } from "bun:test";
import type { HeartbeatReply } from "@terrapod/runner-protocol";
import { Cancellation } from "./cancellation.ts";
import { startHeartbeats } from "./heartbeat.ts";
import { ServerResponseError } from "./http-client.ts";

const reply = (cancel: boolean, force = false): HeartbeatReply => ({ version: 1, cancel, force });

test("beats on schedule and turns cancel replies into a cancellation", async () => {
  const replies = [reply(false), new Error("server down"), reply(true), reply(true, true)];
  let beats = 0;
  const errors: unknown[] = [];
  const cancellation = new Cancellation();
  const levels: string[] = [];
  cancellation.subscribe((l) => levels.push(l));
  const heartbeats = startHeartbeats({
    beat: async () => {
      const next = replies[Math.min(beats, replies.length - 1)];
      beats += 1;
      if (next instanceof Error) throw next;
      if (!next) throw new Error("no reply");
      return next;
    },
    intervalMs: 20,
    cancellation,
    onError: (err) => errors.push(err),
  });
  for (let i = 0; i < 100 && cancellation.level !== "force"; i++) await Bun.sleep(10);
  heartbeats.stop();
  const after = beats;
  await Bun.sleep(60);
  expect(beats).toBe(after);
  expect(levels).toEqual(["graceful", "force"]);
  expect(errors).toHaveLength(1);
});

test("a refused beat (the phase is no longer current) fences the runner and ends the beats", async () => {
  let beats = 0;
  const cancellation = new Cancellation();
  startHeartbeats({
    beat: async () => {
      beats += 1;
      if (beats === 1) return reply(false);
      throw new ServerResponseError("heartbeat", 409, "job superseded");
    },
    intervalMs: 5,
    cancellation,
    onError: () => {},
  });
  for (let i = 0; i < 100 && !cancellation.fenced; i++) await Bun.sleep(5);
  await Bun.sleep(30);
  expect(beats).toBe(2);
  expect(cancellation.level).toBe("force");
  expect(cancellation.fenced).toContain("409");
});

test("a beat that fails for another reason (server restarting) is retried without fencing", async () => {
  let beats = 0;
  const cancellation = new Cancellation();
  const heartbeats = startHeartbeats({
    beat: async () => {
      beats += 1;
      throw new ServerResponseError("heartbeat", 503, "starting");
    },
    intervalMs: 5,
    cancellation,
    onError: () => {},
  });
  for (let i = 0; i < 100 && beats < 3; i++) await Bun.sleep(5);
  heartbeats.stop();
  expect(beats).toBeGreaterThanOrEqual(3);
  expect(cancellation.requested).toBe(false);
});
