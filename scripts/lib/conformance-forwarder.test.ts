import { afterEach, describe, expect, test } from "bun:test";
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { type Forwarder, forwardedUrl, startForwarder } from "./conformance-forwarder.ts";

/** A TCP server that echoes back what it reads and remembers each client's port. */
async function echoServer(): Promise<{ server: Server; port: number; clientPorts: number[] }> {
  const clientPorts: number[] = [];
  const server = createServer((socket: Socket) => {
    if (socket.remotePort !== undefined) clientPorts.push(socket.remotePort);
    socket.on("data", (chunk) => socket.write(chunk));
    socket.on("end", () => socket.end());
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { server, port: address.port, clientPorts };
}

/** Connects to `port`, writes `text`, half-closes, and returns everything read back. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port });
    let got = "";
    socket.on("data", (d) => {
      got += d.toString();
    });
    socket.on("end", () => resolve(got));
    socket.on("error", reject);
    socket.end(text);
  });
}

describe("forwarder", () => {
  let forwarder: Forwarder | undefined;
  let echo: Server | undefined;
  afterEach(async () => {
    await forwarder?.close();
    echo?.close();
  });

  test("pipes bytes both ways and records each connection with its upstream port", async () => {
    const target = await echoServer();
    echo = target.server;
    forwarder = await startForwarder({ host: "127.0.0.1", port: target.port });
    const before = Date.now();
    expect(await roundTrip(forwarder.port, "hello over the forwarder")).toBe("hello over the forwarder");
    expect(await roundTrip(forwarder.port, "x".repeat(200_000))).toBe("x".repeat(200_000));
    await Bun.sleep(20);
    const conns = forwarder.connections();
    expect(conns.length).toBe(2);
    for (const c of conns) {
      expect(c.openedAt).toBeGreaterThanOrEqual(before);
      expect(c.closedAt).toBeGreaterThanOrEqual(c.openedAt);
    }
    expect(conns.map((c) => c.upstreamPort).sort()).toEqual([...target.clientPorts].sort());
  });

  test("a forwarder nobody connects to records nothing; close is idempotent", async () => {
    const target = await echoServer();
    echo = target.server;
    forwarder = await startForwarder({ host: "127.0.0.1", port: target.port });
    expect(forwarder.connections()).toEqual([]);
    await forwarder.close();
    await forwarder.close();
  });

  test("a connection the server refuses is recorded without an upstream port and closed", async () => {
    const target = await echoServer();
    target.server.close();
    forwarder = await startForwarder({ host: "127.0.0.1", port: target.port });
    expect(await roundTrip(forwarder.port, "anyone there?").catch(() => "reset")).toMatch(/^(|reset)$/);
    const conns = forwarder.connections();
    expect(conns.length).toBe(1);
    expect(conns[0]?.upstreamPort).toBeUndefined();
  });

  test("forwardedUrl swaps the port", () => {
    expect(forwardedUrl("https://localhost:8443", 40001)).toBe("https://localhost:40001");
    expect(forwardedUrl("https://localhost:8443/", 40001)).toBe("https://localhost:40001");
  });
});
