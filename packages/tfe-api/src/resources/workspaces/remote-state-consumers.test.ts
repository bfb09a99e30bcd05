import { expect, test } from "bun:test";
import { InvalidError } from "@terrapod/kernel";
import { consumerIdsFromDocument } from "./remote-state-consumers.ts";

test("a relationships document gives its workspace ids; go-tfe's whole workspace objects too", () => {
  const doc = {
    data: [
      { type: "workspaces", id: "ws-a" },
      { type: "workspaces", id: "ws-b", attributes: { name: "b" } },
    ],
  };
  expect(consumerIdsFromDocument(doc)).toEqual(["ws-a", "ws-b"]);
  expect(consumerIdsFromDocument({ data: [] })).toEqual([]);
});

test.each([
  [{}, "/data"],
  [{ data: { type: "workspaces", id: "ws-a" } }, "/data"],
  [{ data: [{ type: "runs", id: "run-a" }] }, "/data/0"],
  [{ data: [{ type: "workspaces", id: "ws-a" }, { type: "workspaces" }] }, "/data/1"],
])("%p is refused at %s", (doc, pointer) => {
  let err: unknown;
  try {
    consumerIdsFromDocument(doc);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidError);
  expect((err as InvalidError).pointer).toBe(pointer);
});
