/**
 * A loopback TCP forwarder for one go-tfe test process: listens on a free port and pipes the bytes of
 * every connection both ways to Terrapod's real port, unchanged (TLS passes through; the certificate
 * names the host, not the port). It records each connection and the local port of its upstream socket:
 * the server's access log names that port (`clientPort`), which attributes every request to the test
 * (see `go-tfe-results-traffic.ts`).
 */
import { createServer, connect as netConnect, type Socket } from "node:net";

export type ForwardedConnection = {
  /** Local port of the socket to the server (the client port the server sees); undefined if it never connected. */
  readonly upstreamPort: number | undefined;
  /** Epoch ms: accepted from the test process. */
  readonly openedAt: number;
  /** Epoch ms: the upstream socket closed (or the forwarder did). */
  readonly closedAt: number;
};

export type Forwarder = {
  readonly port: number;
  /** The connections so far (open ones end now). */
  connections(): ForwardedConnection[];
  /** Stops listening and closes every connection still open. */
  close(): Promise<void>;
};

type Live = { upstreamPort: number | undefined; openedAt: number; closedAt: number | undefined };

export async function startForwarder(
  target: { readonly host: string; readonly port: number },
  listenHost = "127.0.0.1",
): Promise<Forwarder> {
  const records: Live[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  // Half-open both ways: a client's FIN must not cut off the response still coming back.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const record: Live = { upstreamPort: undefined, openedAt: Date.now(), closedAt: undefined };
    records.push(record);
    const upstream = netConnect({ host: target.host, port: target.port, allowHalfOpen: true });
    track(client);
    track(upstream);
    upstream.on("connect", () => {
      record.upstreamPort = upstream.localPort;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    // A reset on one side resets the other; a close ends it once its pending writes are flushed.
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.end());
    upstream.on("close", () => {
      record.closedAt ??= Date.now();
      client.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, listenHost, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    server.close();
    throw new Error(`forwarder: unexpected listen address ${String(address)}`);
  }
  let closed: Promise<void> | undefined;
  return {
    port: address.port,
    connections: () =>
      records.map((r) => ({
        upstreamPort: r.upstreamPort,
        openedAt: r.openedAt,
        closedAt: r.closedAt ?? Date.now(),
      })),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        const now = Date.now();
        for (const r of records) r.closedAt ??= now;
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

/** `url` (Terrapod's own, e.g. https://localhost:8443) with the forwarder's port instead. */
export function forwardedUrl(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString().replace(/\/$/, "");
}
