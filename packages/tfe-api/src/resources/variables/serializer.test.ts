import { describe, expect, test } from "bun:test";
import type { Variable } from "@terrapod/core";
import type { VariableId, VariableSetId, WorkspaceId } from "@terrapod/kernel";
import { serializeVariable } from "./serializer.ts";

const base: Variable = {
  id: "var-1" as VariableId,
  owner: { kind: "workspace", id: "ws-1" as WorkspaceId },
  key: "region",
  value: "eu-west-1",
  category: "terraform",
  hcl: false,
  sensitive: false,
  description: "where",
  versionId: "abc",
  createdAt: new Date("2026-01-02T03:04:05.678Z"),
  updatedAt: new Date("2026-01-02T03:04:05.678Z"),
};

describe("serializeVariable", () => {
  test("a workspace variable, with literal wire names", () => {
    expect(serializeVariable(base)).toEqual({
      id: "var-1",
      type: "vars",
      attributes: {
        key: "region",
        value: "eu-west-1",
        sensitive: false,
        category: "terraform",
        hcl: false,
        description: "where",
        "created-at": "2026-01-02T03:04:05.678Z",
        "version-id": "abc",
      },
      relationships: {
        configurable: {
          data: { type: "workspaces", id: "ws-1" },
          links: { related: "/api/v2/workspaces/ws-1" },
        },
      },
      links: { self: "/api/v2/workspaces/ws-1/vars/var-1" },
    });
  });

  test("a sensitive value is null even if the domain object carried one", () => {
    const doc = serializeVariable({ ...base, sensitive: true, value: "leaked?" });
    expect(doc.attributes.value).toBeNull();
    expect(JSON.stringify(doc)).not.toContain("leaked?");
  });

  test("a variable-set variable points at its set, not at a workspace", () => {
    const doc = serializeVariable({ ...base, owner: { kind: "varset", id: "varset-1" as VariableSetId } });
    expect(doc.relationships).toEqual({
      varset: { data: { type: "varsets", id: "varset-1" }, links: { related: "/api/v2/varsets/varset-1" } },
    });
    expect(doc.links?.self).toBe("/api/v2/varsets/varset-1/relationships/vars/var-1");
  });
});
