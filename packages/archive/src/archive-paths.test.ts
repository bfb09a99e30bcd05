import { describe, expect, test } from "bun:test";
import {
  normalizeEntryPath,
  type PathProblem,
  resolveInTree,
  resolveLinkTarget,
  type TreeNode,
} from "./archive-paths.ts";

describe("normalizeEntryPath", () => {
  test.each([
    ["main.tf", ["main.tf"]],
    ["modules/net/", ["modules", "net"]],
    ["./a//b/./c", ["a", "b", "c"]],
    ["./", []],
    ["a/..b/c..", ["a", "..b", "c.."]],
    ["._x", ["._x"]],
  ])("%p is accepted as %p", (name, segments) => {
    expect(normalizeEntryPath(name)).toEqual({ ok: true, segments });
  });

  test.each<[string, PathProblem]>([
    ["/etc/passwd", "absolute"],
    ["C:evil", "absolute"],
    ["c:/evil", "absolute"],
    ["../x", "parent-segment"],
    ["a/../../x", "parent-segment"],
    ["a/b/..", "parent-segment"],
    ["a\\..\\x", "backslash"],
    ["dir\\file", "backslash"],
    ["a\0b", "nul-byte"],
    ["d/".repeat(2100), "too-long"],
  ])("%p is refused: %p", (name, problem) => {
    expect(normalizeEntryPath(name)).toEqual({ ok: false, problem });
  });
});

describe("resolveLinkTarget", () => {
  test.each([
    [["l"], "main.tf", ["main.tf"]],
    [["a", "b", "l"], "../x", ["a", "x"]],
    [["a", "l"], "..", []],
    [["a", "l"], "./b/../c", ["a", "c"]],
    [["l"], ".", []],
  ])("%p -> %p resolves to %p", (link, target, segments) => {
    expect(resolveLinkTarget(link, target)).toEqual({ ok: true, segments });
  });

  test.each<[string[], string, PathProblem]>([
    [["l"], "..", "parent-segment"],
    [["a", "l"], "../../x", "parent-segment"],
    [["a", "l"], "b/../../../x", "parent-segment"],
    [["l"], "/etc/passwd", "absolute"],
    [["l"], "", "empty"],
    [["l"], "a\\b", "backslash"],
    [["l"], "a\0b", "nul-byte"],
  ])("%p -> %p is refused: %p", (link, target, problem) => {
    expect(resolveLinkTarget(link, target)).toEqual({ ok: false, problem });
  });
});

describe("resolveInTree", () => {
  const tree =
    (nodes: Record<string, string>) =>
    (segments: readonly string[]): TreeNode | undefined => {
      const value = nodes[segments.join("/")];
      if (value === undefined) return undefined;
      if (value === "dir" || value === "file") return { kind: value };
      return { kind: "symlink", target: value.slice("->".length) };
    };

  test.each([
    ["a plain file", { "a.tf": "file" }, "a.tf", ["a.tf"]],
    ["a link to a sibling", { l: "->a.tf", "a.tf": "file" }, "l", ["a.tf"]],
    ["a chain of links", { l1: "->l2", l2: "->sub/l3", sub: "dir", "sub/l3": "->../x" }, "l1", ["x"]],
    ["a dangling link", { l: "->missing/deeper" }, "l", ["missing", "deeper"]],
    ["a link to the root", { l: "->." }, "l", []],
    [
      "a link through a linked directory",
      { d: "->sub/deep", sub: "dir", "sub/deep": "dir" },
      "d/../x",
      ["sub", "x"],
    ],
  ])("%s stays inside", (_label, nodes, path, segments) => {
    expect(resolveInTree(path.split("/"), tree(nodes))).toEqual({ ok: true, segments });
  });

  test.each<[string, Record<string, string>, string, "escapes" | "absolute" | "loop"]>([
    ["a chain that climbs out after a link to the root", { a: "->.", l: "->a/a/../.." }, "l", "escapes"],
    ["a link to the parent of a linked root", { a: "->.", l: "->a/.." }, "l", "escapes"],
    ["an absolute target", { l: "->/etc" }, "l", "absolute"],
    ["a self loop", { l: "->l" }, "l", "loop"],
    ["a two-link loop", { a: "->b", b: "->a" }, "a", "loop"],
  ])("%s is refused", (_label, nodes, path, problem) => {
    expect(resolveInTree(path.split("/"), tree(nodes))).toEqual({ ok: false, problem });
  });
});
