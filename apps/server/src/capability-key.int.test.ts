import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { testBackend } from "@terrapod/testing";
import {
  createServerSite,
  freePort,
  json,
  type ServerProcess,
  type ServerSite,
  startServerProcess,
  waitReady,
} from "./testing/server-process.ts";

/**
 * Capability URLs are signed with their own key (TERRAPOD_CAPABILITY_KEY, or in embedded mode one
 * generated into the data dir), not one derived from the encryption key: rotating the encryption key
 * leaves the URLs already handed out working.
 */
const sites: ServerSite[] = [];
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
  for (const site of sites) await site.cleanup();
});

const oldKey = "old=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const newKey = "new=ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const state = (serial: number) =>
  JSON.stringify({ version: 4, serial, lineage: "rotation", outputs: {}, resources: [] });

async function start(site: ServerSite, port: number, encryptionKey: string): Promise<ServerProcess> {
  const server = startServerProcess(site, port, { TERRAPOD_ENCRYPTION_KEY: encryptionKey });
  servers.push(server);
  await waitReady(server);
  return server;
}

async function createStateVersion(server: ServerProcess, ws: string, serial: number) {
  const res = await server.api(`/api/v2/workspaces/${ws}/state-versions`, {
    method: "POST",
    body: JSON.stringify({
      data: { type: "state-versions", attributes: { serial, lineage: "rotation", md5: md5(state(serial)) } },
    }),
  });
  return (await json(res)).data;
}

describe("capability URLs across an encryption-key rotation", () => {
  test("a download URL and an upload URL issued before the rotation work after it", async () => {
    const site = await createServerSite();
    sites.push(site);
    const port = await freePort();
    const first = await start(site, port, oldKey);
    const ws = (
      await json(
        await first.api("/api/v2/organizations/default/workspaces", {
          method: "POST",
          body: JSON.stringify({
            data: { type: "workspaces", attributes: { name: "rotation", "execution-mode": "local" } },
          }),
        }),
      )
    ).data.id;
    await json(await first.api(`/api/v2/workspaces/${ws}/actions/lock`, { method: "POST" }));
    const v1 = await createStateVersion(first, ws, 1);
    const put1 = await fetch(String(v1.attributes["hosted-state-upload-url"]), {
      method: "PUT",
      body: state(1),
    });
    expect(put1.status).toBe(200);
    const current = await json(await first.api(`/api/v2/workspaces/${ws}/current-state-version`));
    const downloadUrl = String(current.data.attributes["hosted-state-download-url"]);
    const v2 = await createStateVersion(first, ws, 2);
    const uploadUrl = String(v2.attributes["hosted-state-upload-url"]);
    if (testBackend() === "pglite") {
      // embedded: the key was generated once into the data dir, readable by the server's user only
      const key = await stat(join(site.dataDir, "capability.key"));
      expect(key.mode & 0o777).toBe(0o600);
    }
    expect((await first.terminate()).code).toBe(0);

    // the encryption key is rotated: a new active key, the old one kept to decrypt
    const second = await start(site, port, `${newKey},${oldKey}`);
    const download = await fetch(downloadUrl);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(state(1));
    expect((await fetch(uploadUrl, { method: "PUT", body: state(2) })).status).toBe(200);
    const after = await json(await second.api(`/api/v2/workspaces/${ws}/current-state-version`));
    expect(after.data.attributes.serial).toBe(2);
    expect(await (await fetch(String(after.data.attributes["hosted-state-download-url"]))).text()).toBe(
      state(2),
    );
    expect((await second.terminate()).code).toBe(0);
  }, 120_000);
});
