import { describe, expect, test } from "bun:test";
import { Cancellation } from "./cancellation.ts";
import { isHeartbeatRefusal, parentGone, watchParent } from "./fencing.ts";
import { ServerResponseError } from "./http-client.ts";

describe("when a runner fences itself", () => {
  test.each([401, 403, 404, 409])("a heartbeat refused with %d fences", (status) => {
    expect(isHeartbeatRefusal(new ServerResponseError("heartbeat", status, ""))).toBe(true);
  });

  test.each([400, 408, 429, 500, 502, 503])("a heartbeat failing with %d does not (retried)", (status) => {
    expect(isHeartbeatRefusal(new ServerResponseError("heartbeat", status, ""))).toBe(false);
  });

  test("a network failure does not fence (the parent watch decides when the server is gone)", () => {
    expect(isHeartbeatRefusal(new TypeError("fetch failed"))).toBe(false);
    expect(isHeartbeatRefusal(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBe(false);
  });

  test("a changed parent pid means the server died", () => {
    expect(parentGone(4242, 4242)).toBe(false);
    expect(parentGone(4242, 1)).toBe(true);
    expect(parentGone(4242, 777)).toBe(true);
  });
});

describe("the parent watch", () => {
  test("reports a changed parent once, then stops polling", async () => {
    let ppid = 4242;
    let polls = 0;
    const gone: [number, number][] = [];
    watchParent({
      ppid: () => {
        polls += 1;
        return ppid;
      },
      intervalMs: 5,
      onGone: (start, now) => gone.push([start, now]),
    });
    await Bun.sleep(30);
    expect(gone).toEqual([]);
    ppid = 1;
    for (let i = 0; i < 100 && gone.length === 0; i++) await Bun.sleep(5);
    const after = polls;
    await Bun.sleep(30);
    expect(gone).toEqual([[4242, 1]]);
    expect(polls).toBe(after);
  });

  test("a runner without a parent to watch (pid 1 of its pod) never fences for it", async () => {
    let polls = 0;
    const watch = watchParent({
      ppid: () => {
        polls += 1;
        return 0;
      },
      intervalMs: 5,
      onGone: () => {
        throw new Error("must not be called");
      },
    });
    await Bun.sleep(30);
    watch.stop();
    expect(polls).toBe(1);
  });
});

describe("a fence", () => {
  test("is a forced cancel that remembers why, whatever came before", () => {
    const cancellation = new Cancellation();
    const levels: string[] = [];
    cancellation.subscribe((l) => levels.push(l));
    cancellation.request("graceful");
    cancellation.fence("the server refused the heartbeat (409)");
    cancellation.fence("the server process is gone");
    expect(levels).toEqual(["graceful", "force"]);
    expect(cancellation.level).toBe("force");
    expect(cancellation.fenced).toBe("the server refused the heartbeat (409)");
  });
});
