import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCertificates } from "../../../e2e/lib/tls.ts";
import { largeState, slowStream } from "./testing/server-process.ts";

/** These tests start the real program (`bun apps/server/src/main.ts`) as a user would. */
const mainPath = join(import.meta.dir, "main.ts");
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

function start(env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, mainPath], {
    env: { PATH: Bun.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir(), TERRAPOD_LOG_LEVEL: "warn", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let stdout = "";
  const reading = (async () => {
    for await (const chunk of proc.stdout) stdout += new TextDecoder().decode(chunk);
  })();
  return { proc, stdout: () => stdout, reading };
}

async function waitFor(url: string, ok: (res: Response) => boolean, timeoutMs = 30_000, init?: RequestInit) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { ...init, tls: { rejectUnauthorized: false } } as RequestInit);
      if (ok(res)) return res;
      last = `status ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await Bun.sleep(100);
  }
  throw new Error(`${url} not ready: ${last}`);
}

describe("the server program", () => {
  test("invalid configuration: one readable line, exit code 2, no stack trace", async () => {
    const { proc } = start({ TERRAPOD_PORT: "eighty", REDIS_URL: "localhost", DATABASE_URL: "mysql://x" });
    const code = await proc.exited;
    const stderr = await new Response(proc.stderr).text();
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("TERRAPOD_PORT");
    expect(stderr).toContain("REDIS_URL");
    expect(stderr).toContain("DATABASE_URL");
    expect(stderr).not.toContain("    at ");
  });

  test("embedded first start prints the admin token once; data survives a graceful restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tp-main-"));
    cleanup.push(dataDir);
    const port = await freePort();
    const env = { TERRAPOD_PORT: String(port), TERRAPOD_HOST: "127.0.0.1", TERRAPOD_DATA_DIR: dataDir };
    const first = start(env);
    await waitFor(`http://127.0.0.1:${port}/readyz`, (r) => r.status === 200, 60_000);
    const token = /Admin API token \(shown only once\): (\S+)/.exec(first.stdout())?.[1];
    expect(token).toBeDefined();
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const ping = await fetch(`http://127.0.0.1:${port}/api/v2/ping`);
    expect(ping.headers.get("tfp-api-version")).toBe("2.6");
    const create = await fetch(`http://127.0.0.1:${port}/api/v2/organizations/default/workspaces`, {
      method: "POST",
      headers: { ...auth.headers, "content-type": "application/vnd.api+json" },
      body: JSON.stringify({ data: { type: "workspaces", attributes: { name: "survivor" } } }),
    });
    expect(create.status).toBe(201);
    first.proc.kill("SIGTERM");
    expect(await first.proc.exited).toBe(0);

    const second = start(env);
    await waitFor(`http://127.0.0.1:${port}/readyz`, (r) => r.status === 200, 60_000);
    const ws = await fetch(`http://127.0.0.1:${port}/api/v2/organizations/default/workspaces/survivor`, auth);
    expect(ws.status).toBe(200);
    second.proc.kill("SIGTERM");
    expect(await second.proc.exited).toBe(0);
    await second.reading;
    expect(second.stdout()).not.toContain("Admin API token");
  }, 120_000);

  test("serves https with a configured certificate", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tp-tls-"));
    cleanup.push(dir);
    const certs = await createTestCertificates(join(dir, "certs"), "/usr/bin/openssl");
    const port = await freePort();
    const server = start({
      TERRAPOD_PORT: String(port),
      TERRAPOD_HOST: "127.0.0.1",
      TERRAPOD_DATA_DIR: join(dir, "data"),
      TERRAPOD_ADMIN_TOKEN: "a-long-enough-admin-token-for-tests",
      TERRAPOD_TLS_CERT: certs.serverCert,
      TERRAPOD_TLS_KEY: certs.serverKey,
    });
    const res = await waitFor(`https://localhost:${port}/api/v2/ping`, (r) => r.status === 204, 60_000);
    expect(res.headers.get("tfp-api-version")).toBe("2.6");
    const verified = await fetch(`https://localhost:${port}/healthz`, {
      tls: { ca: await Bun.file(certs.caCert).text() },
    } as RequestInit);
    expect(verified.status).toBe(200);
    server.proc.kill("SIGTERM");
    expect(await server.proc.exited).toBe(0);
  }, 120_000);

  test("an unreachable database: the process stays up, answers 503 and says why", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tp-nodb-"));
    cleanup.push(dir);
    const port = await freePort();
    const dead = await freePort();
    const server = start({
      TERRAPOD_PORT: String(port),
      TERRAPOD_HOST: "127.0.0.1",
      TERRAPOD_DATA_DIR: dir,
      DATABASE_URL: `postgres://nobody@127.0.0.1:${dead}/nothing`,
      TERRAPOD_ENCRYPTION_KEY: "k=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      TERRAPOD_CAPABILITY_KEY: "Y2FwYWJpbGl0eS1rZXktZm9yLXRlc3RzLTMyYnl0ZXM=",
    });
    await waitFor(`http://127.0.0.1:${port}/healthz`, (r) => r.status === 200);
    // 503 "starting" until the first connection attempt fails, then 503 with the reason
    let detail = "";
    for (let i = 0; i < 100 && !detail.includes("database unavailable"); i++) {
      const res = await waitFor(`http://127.0.0.1:${port}/api/v2/organizations`, (r) => r.status === 503);
      detail = ((await res.json()) as { errors: { detail: string }[] }).errors[0]?.detail ?? "";
      await Bun.sleep(50);
    }
    expect(detail).toContain("database unavailable");
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
    expect(server.proc.exitCode).toBeNull();
    server.proc.kill("SIGTERM");
    expect(await server.proc.exited).toBe(0);
  }, 60_000);

  test("a server killed in the middle of a state upload keeps the previous state current", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tp-kill-"));
    cleanup.push(dataDir);
    const port = await freePort();
    const token = "kill-test-admin-token-0123456789";
    const env = {
      TERRAPOD_PORT: String(port),
      TERRAPOD_HOST: "127.0.0.1",
      TERRAPOD_DATA_DIR: dataDir,
      TERRAPOD_ADMIN_TOKEN: token,
    };
    const base = `http://127.0.0.1:${port}/api/v2`;
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/vnd.api+json" },
      });
    const md5 = (b: string | Uint8Array) => new Bun.CryptoHasher("md5").update(b).digest("hex");

    const first = start(env);
    await waitFor(`http://127.0.0.1:${port}/readyz`, (r) => r.status === 200, 60_000);
    const ws = (
      (await (
        await api("/organizations/default/workspaces", {
          method: "POST",
          body: JSON.stringify({
            data: { type: "workspaces", attributes: { name: "killed", "execution-mode": "local" } },
          }),
        })
      ).json()) as { data: { id: string } }
    ).data.id;
    await api(`/workspaces/${ws}/actions/lock`, { method: "POST" });
    const v1 = JSON.stringify({ version: 4, serial: 1, lineage: "K", outputs: {}, resources: [] });
    const sv1 = (await (
      await api(`/workspaces/${ws}/state-versions`, {
        method: "POST",
        body: JSON.stringify({
          data: { type: "state-versions", attributes: { serial: 1, lineage: "K", md5: md5(v1) } },
        }),
      })
    ).json()) as { data: { attributes: { "hosted-state-upload-url": string } } };
    expect(
      (await fetch(sv1.data.attributes["hosted-state-upload-url"], { method: "PUT", body: v1 })).status,
    ).toBe(200);

    // serial 2: a valid 16 MB state with its right MD5 (whole, it would be accepted: checked below),
    // streamed slowly; the server dies after the first megabytes
    const big = largeState(2, "K", 16);
    const createV2 = async () =>
      (await (
        await api(`/workspaces/${ws}/state-versions`, {
          method: "POST",
          body: JSON.stringify({
            data: { type: "state-versions", attributes: { serial: 2, lineage: "K", md5: big.md5 } },
          }),
        })
      ).json()) as { data: { attributes: { "hosted-state-upload-url": string } } };
    const sv2 = await createV2();
    const stream = slowStream(big.parts, 100);
    const upload = fetch(sv2.data.attributes["hosted-state-upload-url"], {
      method: "PUT",
      body: stream.body,
    }).then(
      (res) => res.status,
      (err: unknown) => String(err),
    );
    while (stream.sent() < 2 * 1024 * 1024) await Bun.sleep(20);
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    expect(await upload).not.toBe(200);
    expect(stream.sent()).toBeLessThan(big.bytes);

    const second = start(env);
    await waitFor(`http://127.0.0.1:${port}/readyz`, (r) => r.status === 200, 60_000);
    const cur = (await (await api(`/workspaces/${ws}/current-state-version`)).json()) as {
      data: { attributes: { serial: number; "hosted-state-download-url": string } };
    };
    expect(cur.data.attributes.serial).toBe(1);
    expect(await (await fetch(cur.data.attributes["hosted-state-download-url"])).text()).toBe(v1);
    // The same bytes, sent whole to a new version with the same MD5, are accepted and become current.
    const retry = await createV2();
    const whole = new Blob(big.parts as BlobPart[]);
    expect(
      (await fetch(retry.data.attributes["hosted-state-upload-url"], { method: "PUT", body: whole })).status,
    ).toBe(200);
    const now = (await (await api(`/workspaces/${ws}/current-state-version`)).json()) as typeof cur;
    expect(now.data.attributes.serial).toBe(2);
    second.proc.kill("SIGTERM");
    expect(await second.proc.exited).toBe(0);
  }, 120_000);
});
