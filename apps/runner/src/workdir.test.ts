import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createJobDirs,
  readRegularFile,
  relativePath,
  resolveWorkingDirectory,
  WorkingDirectoryError,
  writeFileReplacing,
} from "./workdir.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "terrapod-workdir-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("createJobDirs", () => {
  test("creates a private directory with the runner's files outside the configuration", async () => {
    const dirs = await createJobDirs(join(dir, "jobs"), "run-abc/../x", "plan");
    expect((await stat(dirs.root)).mode & 0o777).toBe(0o700);
    expect(dirs.root).toContain("/tp-abc____x-p-");
    for (const p of [dirs.home, dirs.tmp]) expect((await stat(p)).isDirectory()).toBe(true);
    // room for a provider's unix socket (plugin + 10 digits) under the 107-byte limit
    expect(`${dirs.tmp}/plugin0123456789`.length).toBeLessThan(107);
    expect(relativePath(dirs.config, dirs.stateFile)).toBe("../state/terraform.tfstate");
    for (const p of [dirs.varFile, dirs.planFile, dirs.planJson])
      expect(p.startsWith(dirs.config)).toBe(false);
  });
});

describe("resolveWorkingDirectory", () => {
  beforeEach(async () => {
    await mkdir(join(dir, "config/envs/prod"), { recursive: true });
    await mkdir(join(dir, "outside"));
    await symlink("envs/prod", join(dir, "config/prod-link"));
    await symlink("../outside", join(dir, "config/escape"));
    await writeFile(join(dir, "config/file.tf"), "");
  });

  test.each([
    ["", "config"],
    [".", "config"],
    ["envs/prod", "config/envs/prod"],
    ["./envs//prod/", "config/envs/prod"],
    ["prod-link", "config/envs/prod"],
  ])("%p is %s", async (wd, expected) => {
    expect(await resolveWorkingDirectory(join(dir, "config"), wd)).toBe(join(await realDir(), expected));
  });

  test.each([
    ["../outside", "leaves the configuration"],
    ["envs/../../outside", "leaves the configuration"],
    ["/etc", "is absolute"],
    ["escape", "leaves the configuration"],
    ["missing", "does not exist"],
    ["file.tf", "is not a directory"],
    ["a\\b", "not a valid path"],
  ])("%p is refused (%s)", async (wd, message) => {
    const err = await resolveWorkingDirectory(join(dir, "config"), wd).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkingDirectoryError);
    expect(String(err)).toContain(message);
  });

  const realDir = async () => (await import("node:fs/promises")).realpath(dir);
});

describe("writeFileReplacing", () => {
  test("replaces a symlink planted by the configuration instead of writing through it", async () => {
    await writeFile(join(dir, "victim"), "keep me");
    await symlink(join(dir, "victim"), join(dir, "zz_terrapod_override.tf"));
    await writeFileReplacing(join(dir, "zz_terrapod_override.tf"), "ours");
    expect(await readFile(join(dir, "victim"), "utf8")).toBe("keep me");
    expect((await lstat(join(dir, "zz_terrapod_override.tf"))).isFile()).toBe(true);
    expect(await readFile(join(dir, "zz_terrapod_override.tf"), "utf8")).toBe("ours");
  });

  test("replaces a file and refuses a directory", async () => {
    await writeFile(join(dir, "f"), "old");
    await writeFileReplacing(join(dir, "f"), "new", 0o600);
    expect(await readFile(join(dir, "f"), "utf8")).toBe("new");
    expect((await stat(join(dir, "f"))).mode & 0o777).toBe(0o600);
    await mkdir(join(dir, "d"));
    await expect(writeFileReplacing(join(dir, "d"), "x")).rejects.toThrow("is a directory");
  });
});

describe("readRegularFile", () => {
  test("reads files, not symlinks", async () => {
    await writeFile(join(dir, "f"), "content");
    await symlink("f", join(dir, "l"));
    expect(new TextDecoder().decode(await readRegularFile(join(dir, "f")))).toBe("content");
    expect(await readRegularFile(join(dir, "l"))).toBeUndefined();
    expect(await readRegularFile(join(dir, "missing"))).toBeUndefined();
    expect(await readlink(join(dir, "l"))).toBe("f");
  });
});
