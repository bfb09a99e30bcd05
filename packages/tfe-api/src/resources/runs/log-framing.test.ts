import { describe, expect, test } from "bun:test";
import type { LogSlice } from "@terrapod/core";
import { frameLog } from "./log-framing.ts";

const log = new TextEncoder().encode("hello world\n");

function reader(opts: { started: boolean; complete: boolean }) {
  return async (o: number, l: number): Promise<LogSlice> => ({
    data: log.subarray(Math.min(o, log.length), Math.min(o + l, log.length)),
    total: log.length,
    ...opts,
  });
}

/** Reads the framed stream like go-tfe's LogReader: offset advances by bytes received. */
async function drain(opts: { started: boolean; complete: boolean }, limit: number) {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < 50; i++) {
    const { bytes: chunk } = await frameLog(reader(opts), offset, limit);
    if (chunk.byteLength === 0) break;
    chunks.push(chunk);
    offset += chunk.byteLength;
  }
  return chunks;
}

describe("log framing", () => {
  test("nothing before the phase starts", async () => {
    expect((await frameLog(reader({ started: false, complete: false }), 0, 100)).bytes.byteLength).toBe(0);
  });

  test("STX, the log, then ETX once, as the last byte", async () => {
    const chunks = await drain({ started: true, complete: true }, 100);
    expect(chunks).toHaveLength(1);
    const [only] = chunks;
    expect(only?.[0]).toBe(0x02);
    expect(only?.at(-1)).toBe(0x03);
    expect(new TextDecoder().decode(only?.subarray(1, -1))).toBe("hello world\n");
  });

  test("small reads reassemble exactly, ETX only at the very end", async () => {
    const chunks = await drain({ started: true, complete: true }, 5);
    const all = Buffer.concat(chunks);
    expect(all[0]).toBe(0x02);
    expect(all.at(-1)).toBe(0x03);
    expect(all.subarray(1, -1).toString()).toBe("hello world\n");
    for (const c of chunks.slice(0, -1)) expect(c.at(-1)).not.toBe(0x03);
  });

  test("no ETX while running", async () => {
    const chunks = await drain({ started: true, complete: false }, 100);
    expect(Buffer.concat(chunks).at(-1)).toBe("\n".charCodeAt(0));
  });

  test("a phase that ended without output is STX ETX", async () => {
    const empty = async (): Promise<LogSlice> => ({
      data: new Uint8Array(),
      total: 0,
      started: true,
      complete: true,
    });
    expect([...(await frameLog(empty, 0, 10)).bytes]).toEqual([0x02, 0x03]);
    expect((await frameLog(empty, 0, 10)).ended).toBe(true);
    expect((await frameLog(empty, 2, 10)).bytes.byteLength).toBe(0);
    expect((await frameLog(empty, 2, 10)).ended).toBe(false);
  });
});
