import { describe, expect, test } from "bun:test";
import { fakeClock, NotFoundError } from "@terrapod/kernel";
import { createCapabilitySigner } from "./capability.ts";

const secret = new TextEncoder().encode("0123456789abcdef0123456789abcdef");

describe("capability tokens", () => {
  test("grant exactly one purpose on one resource", () => {
    const signer = createCapabilitySigner(secret, fakeClock());
    const token = signer.sign("state-upload", "sv-1", 60);
    expect(signer.verify(token, "state-upload")).toEqual({
      kind: "capability",
      purpose: "state-upload",
      resourceId: "sv-1",
    });
    expect(() => signer.verify(token, "state-download")).toThrow(NotFoundError);
  });

  test("expire", () => {
    const clock = fakeClock();
    const signer = createCapabilitySigner(secret, clock);
    const token = signer.sign("log-read", "plan-1", 60);
    clock.advance(61_000);
    expect(() => signer.verify(token, "log-read")).toThrow(NotFoundError);
  });

  test("cannot be forged or altered", () => {
    const signer = createCapabilitySigner(secret, fakeClock());
    const other = createCapabilitySigner(
      new TextEncoder().encode("another-secret-another-secret-xx"),
      fakeClock(),
    );
    const token = other.sign("state-upload", "sv-1", 60);
    expect(() => signer.verify(token, "state-upload")).toThrow(NotFoundError);
    const good = signer.sign("state-upload", "sv-1", 60);
    const [, sig] = good.split(".");
    const tampered = `${Buffer.from(JSON.stringify({ p: "state-upload", r: "sv-2", e: 9e9 })).toString("base64url")}.${sig}`;
    expect(() => signer.verify(tampered, "state-upload")).toThrow(NotFoundError);
    expect(() => signer.verify("garbage", "state-upload")).toThrow(NotFoundError);
  });
});
