import { expect, test } from "bun:test";
import type { HeartbeatReply } from "@terrapod/runner-protocol";
import { Cancellation } from "./cancellation.ts";
import { startHeartbeats } from "./heartbeat.ts";

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
