import { afterAll, describe, expect, test } from "bun:test";
import { createDb, type DbHandle } from "@terrapod/db";
import { testBackend, testDatabaseUrl } from "./config.ts";
import { createTestDb } from "./db.ts";

/** `DbHandle.exclusive`: background work that must run once per site, whatever the number of replicas. */
const opened: DbHandle[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
});

describe("site-wide exclusive sections", () => {
  if (testBackend() === "postgres") {
    test("two replicas never run the same section at once; the lock is free again afterwards", async () => {
      const a = await createDb({ kind: "postgres", url: testDatabaseUrl() });
      const b = await createDb({ kind: "postgres", url: testDatabaseUrl() });
      opened.push(a, b);
      const key = 424_242;
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const first = a.exclusive(key, async () => {
        entered();
        await held;
      });
      await inside;
      let secondRan = false;
      const markSecond = async () => {
        secondRan = true;
      };
      expect(await b.exclusive(key, markSecond)).toBe(false);
      expect(secondRan).toBe(false);
      expect(await b.exclusive(key + 1, async () => {})).toBe(true);
      release();
      expect(await first).toBe(true);
      expect(await b.exclusive(key, markSecond)).toBe(true);
      expect(secondRan).toBe(true);
    });
  } else {
    test("an embedded database runs every section (one process owns it)", async () => {
      const db = await createTestDb();
      opened.push(db);
      let ran = 0;
      const count = async () => {
        ran += 1;
      };
      expect(await db.exclusive(1, count)).toBe(true);
      expect(await db.exclusive(1, count)).toBe(true);
      expect(ran).toBe(2);
    });
  }
});
