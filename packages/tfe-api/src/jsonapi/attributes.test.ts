import { describe, expect, test } from "bun:test";
import { InvalidError } from "@terrapod/kernel";
import { type AttributeMap, mapAttributes, onlyEmpty, onlyFalse } from "./attributes.ts";

const map: AttributeMap = {
  fields: { name: "name" },
  ignored: ["echoed"],
  restricted: { "fancy-enabled": onlyFalse("no fancy here"), "pool-id": onlyEmpty("no pools") },
};

function refusal(attrs: Record<string, unknown>): InvalidError {
  try {
    mapAttributes(attrs, map);
  } catch (err) {
    if (err instanceof InvalidError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("mapAttributes", () => {
  test("maps fields, drops ignored attributes and restricted values that change nothing", () => {
    const attrs = { name: "a", echoed: 1, "fancy-enabled": false, "pool-id": null };
    expect(mapAttributes(attrs, map)).toEqual({ name: "a" });
    expect(mapAttributes({ "fancy-enabled": null, "pool-id": "" }, map)).toEqual({});
  });

  test.each([
    [
      { "fancy-enabled": true },
      "/data/attributes/fancy-enabled",
      "fancy-enabled cannot be enabled: no fancy here",
    ],
    [{ "pool-id": "p-1" }, "/data/attributes/pool-id", "pool-id must be null: no pools"],
    [{ unknown: 1 }, "/data/attributes/unknown", 'unknown attribute "unknown"'],
  ])("refuses %p at its pointer, saying why", (attrs, pointer, message) => {
    const err = refusal(attrs);
    expect(err.pointer).toBe(pointer);
    expect(err.message).toBe(message);
  });
});
