import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { InvalidError } from "@terrapod/kernel";
import { type Header, pack } from "tar-stream";
import {
  type ArchiveLimits,
  type ArchiveProblem,
  createArchiveInspector,
  defaultArchiveLimits,
  extractArchive,
  InvalidArchiveError,
  inspectArchive,
} from "./archive.ts";

// ---------------------------------------------------------------------------------------------------
// Building archives

type Entry = Partial<Header> & { name: string; content?: string | Uint8Array };

async function tarOf(entries: readonly Entry[]): Promise<Uint8Array> {
  const p = pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of p) if (chunk instanceof Uint8Array) chunks.push(chunk);
  })();
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (content === undefined) p.entry(header, done).end(undefined);
      else p.entry(header, content, done);
    });
  }
  p.finalize();
  await collected;
  return Buffer.concat(chunks);
}

async function tgz(entries: readonly Entry[]): Promise<Uint8Array> {
  return gzipSync(await tarOf(entries));
}

/** Rewrites fields of the first header of a tar (typeflag, size) and fixes its checksum. */
function patchHeader(tar: Uint8Array, patch: { typeflag?: string; size?: number }): Uint8Array {
  const out = Uint8Array.from(tar);
  const write = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  };
  if (patch.typeflag !== undefined) write(156, patch.typeflag);
  if (patch.size !== undefined) write(124, `${patch.size.toString(8).padStart(11, "0")}\0`);
  out.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[i] ?? 0;
  write(148, `${sum.toString(8).padStart(6, "0")}\0 `);
  return out;
}

/** A lone tar header announcing a file of `size` bytes (the body is supplied separately). */
async function headerFor(name: string, size: number): Promise<Uint8Array> {
  return patchHeader((await tarOf([{ name, content: "x" }])).subarray(0, 512), { size });
}

function streamOf(bytes: Uint8Array, chunkSize = 4096): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

async function refusal(promise: Promise<unknown>): Promise<InvalidArchiveError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof InvalidArchiveError))
    throw new Error(`expected an InvalidArchiveError, got ${String(err)}`);
  expect(err).toBeInstanceOf(InvalidError);
  return err;
}

const slug: Entry[] = [
  { name: "main.tf", content: 'resource "terraform_data" "a" {}\n', mode: 0o644 },
  { name: "modules/", type: "directory", mode: 0o755 },
  { name: "modules/net/", type: "directory", mode: 0o750 },
  { name: "modules/net/main.tf", content: "# net\n", mode: 0o644 },
  { name: "scripts/run.sh", content: "#!/bin/sh\necho hi\n", mode: 0o4755 },
  { name: "env/prod.auto.tfvars", content: 'region = "eu"\n', mode: 0o600 },
  { name: "env/current.tfvars", type: "symlink", linkname: "prod.auto.tfvars" },
  { name: "shared", type: "symlink", linkname: "modules/net" },
  { name: "copy.tf", type: "link", linkname: "modules/net/main.tf" },
  { name: "._main.tf", content: "apple double" },
  { name: "modules/._net", content: "apple double" },
  { name: `deep/${"very-long-directory-name/".repeat(8)}file.tf`, content: "# long\n" },
];

// ---------------------------------------------------------------------------------------------------

describe("inspectArchive", () => {
  test("accepts a go-slug style archive and counts entries and bytes", async () => {
    const bytes = await tgz(slug);
    const summary = await inspectArchive(streamOf(bytes, 100));
    expect(summary.entries).toBe(slug.length);
    expect(summary.compressedBytes).toBe(bytes.byteLength);
    expect(summary.uncompressedBytes).toBe((await tarOf(slug)).byteLength);
  });

  test("accepts an empty archive", async () => {
    expect((await inspectArchive(streamOf(await tgz([])))).entries).toBe(0);
  });

  test("exports sensible defaults", () => {
    expect(defaultArchiveLimits).toEqual({
      maxCompressedBytes: 512 * 1024 * 1024,
      maxUncompressedBytes: 2048 * 1024 * 1024,
      maxEntries: 100_000,
      maxFileBytes: 512 * 1024 * 1024,
    });
  });
});

type Attack = {
  readonly label: string;
  readonly problem: ArchiveProblem;
  readonly entry?: string;
  readonly bytes: () => Promise<Uint8Array>;
  readonly limits?: Partial<ArchiveLimits>;
};

const attacks: readonly Attack[] = [
  {
    label: "an absolute path",
    problem: "absolute-path",
    entry: "/etc/cron.d/x",
    bytes: () => tgz([{ name: "/etc/cron.d/x", content: "x" }]),
  },
  {
    label: "a .. segment",
    problem: "parent-segment",
    entry: "a/../../x",
    bytes: () => tgz([{ name: "a/../../x", content: "x" }]),
  },
  {
    label: "a backslash trick",
    problem: "backslash",
    entry: "..\\..\\x",
    bytes: () => tgz([{ name: "..\\..\\x", content: "x" }]),
  },
  {
    label: "a NUL byte in a PAX path",
    problem: "nul-byte",
    bytes: () => tgz([{ name: `ok.tf\0${"x".repeat(120)}`, content: "x" }]),
  },
  {
    label: "a symlink to an absolute path",
    problem: "link-escape",
    entry: "passwd",
    bytes: () => tgz([{ name: "passwd", type: "symlink", linkname: "/etc/passwd" }]),
  },
  {
    label: "a symlink climbing out of its directory",
    problem: "link-escape",
    entry: "a/b/l",
    bytes: () => tgz([{ name: "a/b/l", type: "symlink", linkname: "../../../outside" }]),
  },
  {
    label: "a chain of in-tree symlinks that escapes physically",
    problem: "link-escape",
    entry: "l",
    bytes: () =>
      tgz([
        { name: "a", type: "symlink", linkname: "." },
        { name: "l", type: "symlink", linkname: "a/a/../.." },
      ]),
  },
  {
    label: "a symlink loop",
    problem: "symlink-loop",
    bytes: () =>
      tgz([
        { name: "a", type: "symlink", linkname: "b" },
        { name: "b", type: "symlink", linkname: "a" },
      ]),
  },
  {
    label: "a hard link out of the tree",
    problem: "link-escape",
    entry: "h",
    bytes: () => tgz([{ name: "h", type: "link", linkname: "../../etc/shadow" }]),
  },
  {
    label: "a hard link to an absolute path",
    problem: "link-escape",
    entry: "h",
    bytes: () => tgz([{ name: "h", type: "link", linkname: "/etc/shadow" }]),
  },
  {
    label: "a hard link to something not in the archive",
    problem: "hard-link-target",
    entry: "h",
    bytes: () => tgz([{ name: "h", type: "link", linkname: "missing.tf" }]),
  },
  {
    label: "a hard link to a symlink",
    problem: "hard-link-target",
    entry: "h",
    bytes: () =>
      tgz([
        { name: "l", type: "symlink", linkname: "x" },
        { name: "h", type: "link", linkname: "l" },
      ]),
  },
  {
    label: "a character device",
    problem: "unsupported-type",
    entry: "dev/null",
    bytes: () => tgz([{ name: "dev/null", type: "character-device", devmajor: 1, devminor: 3 }]),
  },
  {
    label: "a block device",
    problem: "unsupported-type",
    entry: "sda",
    bytes: () => tgz([{ name: "sda", type: "block-device", devmajor: 8, devminor: 0 }]),
  },
  {
    label: "a FIFO",
    problem: "unsupported-type",
    entry: "pipe",
    bytes: () => tgz([{ name: "pipe", type: "fifo" }]),
  },
  {
    label: "an unknown entry type (GNU sparse)",
    problem: "unsupported-type",
    entry: "sparse.bin",
    bytes: async () =>
      gzipSync(patchHeader(await tarOf([{ name: "sparse.bin", content: "x" }]), { typeflag: "S" })),
  },
  {
    label: "an entry below a symlink (write through a link)",
    problem: "below-symlink",
    entry: "d/evil.tf",
    bytes: () =>
      tgz([
        { name: "sub/", type: "directory" },
        { name: "d", type: "symlink", linkname: "sub" },
        { name: "d/evil.tf", content: "x" },
      ]),
  },
  {
    label: "a symlink replacing an earlier directory",
    problem: "duplicate-path",
    entry: "d",
    bytes: () =>
      tgz([
        { name: "d/f.tf", content: "x" },
        { name: "d", type: "symlink", linkname: "." },
      ]),
  },
  {
    label: "a duplicate file",
    problem: "duplicate-path",
    entry: "main.tf",
    bytes: () =>
      tgz([
        { name: "main.tf", content: "a" },
        { name: "main.tf", content: "b" },
      ]),
  },
  {
    label: "a file below a file",
    problem: "path-conflict",
    entry: "main.tf/x",
    bytes: () =>
      tgz([
        { name: "main.tf", content: "a" },
        { name: "main.tf/x", content: "b" },
      ]),
  },
  {
    label: "too many entries",
    problem: "too-many-entries",
    limits: { maxEntries: 3 },
    bytes: () => tgz([1, 2, 3, 4].map((i) => ({ name: `f${i}.tf`, content: "x" }))),
  },
  {
    label: "a file over the size limit",
    problem: "file-too-large",
    entry: "big.bin",
    limits: { maxFileBytes: 1000 },
    bytes: () => tgz([{ name: "big.bin", content: new Uint8Array(1001) }]),
  },
  {
    label: "files adding up over the uncompressed limit",
    problem: "uncompressed-too-large",
    limits: { maxUncompressedBytes: 10_000 },
    bytes: () => tgz([1, 2, 3].map((i) => ({ name: `f${i}.bin`, content: new Uint8Array(4000) }))),
  },
  {
    label: "an archive over the compressed limit",
    problem: "compressed-too-large",
    limits: { maxCompressedBytes: 1000 },
    bytes: () => tgz([{ name: "random.bin", content: crypto.getRandomValues(new Uint8Array(5000)) }]),
  },
  {
    label: "a plain tar (not gzip)",
    problem: "not-gzip",
    bytes: () => tarOf([{ name: "main.tf", content: "x" }]),
  },
  { label: "an empty body", problem: "not-gzip", bytes: async () => new Uint8Array(0) },
  {
    label: "a truncated gzip stream",
    problem: "truncated",
    bytes: async () => {
      const bytes = await tgz([{ name: "r.bin", content: crypto.getRandomValues(new Uint8Array(20_000)) }]);
      return bytes.subarray(0, bytes.byteLength - 3000);
    },
  },
  {
    label: "a tar truncated inside an entry",
    problem: "truncated",
    bytes: async () =>
      gzipSync((await tarOf([{ name: "a.bin", content: new Uint8Array(5000) }])).subarray(0, 2048)),
  },
  {
    label: "gzip of something that is not a tar",
    problem: "corrupt",
    bytes: async () => gzipSync(crypto.getRandomValues(new Uint8Array(2048))),
  },
  {
    label: "corrupt deflate data",
    problem: "corrupt",
    bytes: async () => {
      const bytes = Uint8Array.from(await tgz([{ name: "a.tf", content: "x".repeat(5000) }]));
      bytes.fill(0xff, 10, 40);
      return bytes;
    },
  },
];

describe("refused archives", () => {
  test.each(attacks.map((a) => [a.label, a] as const))("inspect refuses %s", async (_label, attack) => {
    const limits = { ...defaultArchiveLimits, ...attack.limits };
    const err = await refusal(inspectArchive(streamOf(await attack.bytes()), limits));
    expect(err.problem).toBe(attack.problem);
    if (attack.entry !== undefined) {
      expect(err.entry).toBe(attack.entry);
      expect(err.message).toContain(JSON.stringify(attack.entry));
    }
  });

  describe("extraction", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "terrapod-archive-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test.each(attacks.map((a) => [a.label, a] as const))("refuses %s", async (_label, attack) => {
      const limits = { ...defaultArchiveLimits, ...attack.limits };
      const dest = join(dir, "a", "b", "dest");
      const err = await refusal(extractArchive(streamOf(await attack.bytes()), dest, limits));
      expect(err.problem).toBe(attack.problem);
      // nothing was written next to the destination
      expect((await readdir(join(dir, "a", "b"))).sort()).toEqual(["dest"]);
      expect(await readdir(dir)).toEqual(["a"]);
    });
  });
});

describe("extractArchive", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "terrapod-archive-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("writes files, modes, directories, symlinks and hard links", async () => {
    const dest = join(dir, "config");
    const summary = await extractArchive(streamOf(await tgz(slug), 333), dest);
    expect(summary.entries).toBe(slug.length);

    expect(await readFile(join(dest, "main.tf"), "utf8")).toBe('resource "terraform_data" "a" {}\n');
    expect(await readFile(join(dest, "modules/net/main.tf"), "utf8")).toBe("# net\n");
    const longPath = join(dest, "deep", ..."very-long-directory-name/".repeat(8).split("/"), "file.tf");
    expect(await readFile(longPath, "utf8")).toBe("# long\n");

    const mode = async (p: string) => (await lstat(join(dest, p))).mode & 0o7777;
    expect(await mode("main.tf")).toBe(0o644);
    expect(await mode("scripts/run.sh")).toBe(0o755); // setuid dropped
    expect(await mode("env/prod.auto.tfvars")).toBe(0o600);
    expect(await mode("modules/net")).toBe(0o750);
    expect(await mode("modules")).toBe(0o755);
    expect((await stat(dest)).mode & 0o777).toBe(0o700);

    expect(await readlink(join(dest, "env/current.tfvars"))).toBe("prod.auto.tfvars");
    expect(await readFile(join(dest, "env/current.tfvars"), "utf8")).toBe('region = "eu"\n');
    expect(await readlink(join(dest, "shared"))).toBe("modules/net");
    expect(await readFile(join(dest, "shared/main.tf"), "utf8")).toBe("# net\n");

    const copy = await stat(join(dest, "copy.tf"));
    expect(copy.ino).toBe((await stat(join(dest, "modules/net/main.tf"))).ino);

    expect(existsSync(join(dest, "._main.tf"))).toBe(false);
    expect(existsSync(join(dest, "modules/._net"))).toBe(false);
  });

  test("refuses a destination that is not empty", async () => {
    await mkdir(join(dir, "dest"));
    await Bun.write(join(dir, "dest", "x"), "x");
    await expect(extractArchive(streamOf(await tgz(slug)), join(dir, "dest"))).rejects.toThrow("not empty");
  });

  test("a symlink followed by a write through it never touches the outside", async () => {
    const outside = join(dir, "outside");
    await mkdir(outside);
    const dest = join(dir, "dest");
    // Relative and absolute variants of "plant a link, then write through it".
    const variants = [
      [
        { name: "escape", type: "symlink", linkname: "../outside" },
        { name: "escape/pwned.tf", content: "x" },
      ],
      [
        { name: "escape", type: "symlink", linkname: outside },
        { name: "escape/pwned.tf", content: "x" },
      ],
      [
        { name: "root", type: "symlink", linkname: "." },
        { name: "up", type: "symlink", linkname: "root/.." },
        { name: "up/outside/pwned.tf", content: "x" },
      ],
      [
        { name: "inside/", type: "directory" },
        { name: "hop", type: "symlink", linkname: "inside" },
        { name: "hop/../../outside/pwned.tf", content: "x" },
      ],
    ] satisfies Entry[][];
    for (const entries of variants) {
      await rm(dest, { recursive: true, force: true });
      await refusal(extractArchive(streamOf(await tgz(entries)), dest));
      expect(await readdir(outside)).toEqual([]);
    }
  });

  /** A small tar entry followed by 1 GiB of zeros, as 16 gzip members of 64 MiB (~1 MiB compressed). */
  function bomb(header: Uint8Array): {
    body: ReadableStream<Uint8Array>;
    total: number;
    pulled: () => number;
  } {
    const member = gzipSync(new Uint8Array(64 * 1024 * 1024), { level: 9 });
    const members = [gzipSync(header), ...Array.from({ length: 16 }, () => member)];
    let pulled = 0;
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = members[index++];
        if (!next) return controller.close();
        pulled += next.byteLength;
        controller.enqueue(next);
      },
    });
    return { body, total: members.reduce((n, m) => n + m.byteLength, 0), pulled: () => pulled };
  }

  test("a gzip bomb is refused early, with little memory, without reading the whole upload", async () => {
    // The tar parser sees a 1-byte file, then end-of-archive blocks forever: only inflation gives it away.
    const { body, total, pulled } = bomb(await tarOf([{ name: "x.tf", content: "x" }]));
    expect(total).toBeLessThan(2 * 1024 * 1024);
    Bun.gc(true);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const limits = { ...defaultArchiveLimits, maxUncompressedBytes: 16 * 1024 * 1024 };
    const err = await refusal(extractArchive(body, join(dir, "bomb"), limits));
    const elapsed = performance.now() - started;
    expect(err.problem).toBe("uncompressed-too-large");
    expect(err.message).toContain("inflates to more than 16777216 bytes");
    expect(elapsed).toBeLessThan(2000);
    expect(pulled()).toBeLessThan(total / 4);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024);
  });

  test("a file announcing more than the limits is refused from its header, before inflating", async () => {
    const { body, total, pulled } = bomb(await headerFor("zeros.bin", 1024 ** 3));
    const err = await refusal(extractArchive(body, join(dir, "bomb"), defaultArchiveLimits));
    expect(err.problem).toBe("file-too-large");
    expect(err.entry).toBe("zeros.bin");
    expect(pulled()).toBeLessThan(total / 4);

    const again = bomb(await headerFor("zeros.bin", 1024 ** 3));
    const limits = { ...defaultArchiveLimits, maxFileBytes: 2 * 1024 ** 3, maxUncompressedBytes: 1024 ** 2 };
    expect((await refusal(inspectArchive(again.body, limits))).problem).toBe("uncompressed-too-large");
    expect(again.pulled()).toBeLessThan(again.total / 4);
  });
});

describe("createArchiveInspector", () => {
  async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  test("passes the bytes through unchanged and resolves the verdict", async () => {
    const bytes = await tgz(slug);
    const { output, verdict } = createArchiveInspector()(streamOf(bytes, 1000));
    expect(await collect(output)).toEqual(bytes);
    expect(await verdict).toMatchObject({ entries: slug.length, compressedBytes: bytes.byteLength });
  });

  test("errors the output and rejects the verdict for a refused archive", async () => {
    const bytes = await tgz([{ name: "../evil", content: "x" }]);
    const { output, verdict } = createArchiveInspector()(streamOf(bytes, 64));
    const outputErr = await collect(output).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(outputErr).toBeInstanceOf(InvalidArchiveError);
    expect((await refusal(verdict)).problem).toBe("parent-segment");
  });

  test("stops reading the upload once the archive is refused", async () => {
    const bytes = await tgz([
      { name: "/abs", content: "x" },
      { name: "pad.bin", content: crypto.getRandomValues(new Uint8Array(200_000)) },
    ]);
    let pulled = 0;
    let cancelled = false;
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.byteLength) return controller.close();
        const chunk = bytes.slice(offset, offset + 1024);
        offset += chunk.byteLength;
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    const { output, verdict } = createArchiveInspector()(body);
    await collect(output).catch(() => undefined);
    expect((await refusal(verdict)).problem).toBe("absolute-path");
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(bytes.byteLength / 2);
  });

  test("cancelling the output rejects the verdict with the reason", async () => {
    const bytes = await tgz(slug);
    const { output, verdict } = createArchiveInspector()(streamOf(bytes, 100));
    const reader = output.getReader();
    await reader.read();
    await reader.cancel(new Error("storage refused"));
    await expect(verdict).rejects.toThrow("storage refused");
  });

  test("applies the limits it was created with", async () => {
    const bytes = await tgz([{ name: "a.bin", content: new Uint8Array(5000) }]);
    const inspect = createArchiveInspector({ ...defaultArchiveLimits, maxFileBytes: 100 });
    const { output, verdict } = inspect(streamOf(bytes));
    await collect(output).catch(() => undefined);
    expect((await refusal(verdict)).problem).toBe("file-too-large");
  });

  test("streams a large valid archive in bounded memory", async () => {
    // 512 MiB of zeros inflated and parsed, never held.
    const header = await headerFor("zeros.bin", 512 * 1024 * 1024);
    const member = gzipSync(new Uint8Array(64 * 1024 * 1024), { level: 9 });
    const members = [
      gzipSync(header),
      ...Array.from({ length: 8 }, () => member),
      gzipSync(new Uint8Array(1024)),
    ];
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = members[index++];
        if (!next) return controller.close();
        controller.enqueue(next);
      },
    });
    Bun.gc(true);
    const rssBefore = process.memoryUsage().rss;
    const { output, verdict } = createArchiveInspector()(body);
    let stored = 0;
    for await (const chunk of output) stored += chunk.byteLength;
    const summary = await verdict;
    expect(stored).toBe(members.reduce((n, m) => n + m.byteLength, 0));
    expect(summary.uncompressedBytes).toBe(512 + 512 * 1024 * 1024 + 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024);
  }, 20_000);
});
