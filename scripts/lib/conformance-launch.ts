/**
 * Starts the conformance run's Terrapod (`conformance-server.ts`) in a child process and waits for its
 * ready line; everything it prints after that line (the server's JSON log) goes to a log file.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { onShutdown } from "./proc.ts";

export type ServerHandle = { readonly url: string; readonly adminToken: string; stop(): Promise<void> };

/** Starts scripts/lib/conformance-server.ts; its log goes to `logFile`. */
export async function startServer(
  root: string,
  env: Record<string, string>,
  cert: string,
  key: string,
  logFile: string,
): Promise<ServerHandle> {
  await mkdir(dirname(logFile), { recursive: true });
  const logStream = createWriteStream(logFile);
  const child = Bun.spawn({
    cmd: [process.execPath, join(root, "scripts", "lib", "conformance-server.ts"), cert, key],
    cwd: root,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      unregister();
      child.kill("SIGTERM");
      const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(15_000).then(() => false)]);
      if (!exited) {
        child.kill("SIGKILL");
        await child.exited;
      }
      await new Promise<void>((resolve) => logStream.end(resolve));
    })();
    return stopped;
  };
  const unregister = onShutdown(stop);

  const ready = new Promise<ReadyLine>((resolve, reject) => {
    let buffered = "";
    let announced = false;
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        if (announced) {
          logStream.write(chunk);
          continue;
        }
        // The server's own log lines (startup, at info) may come before the ready line: they are log.
        buffered += decoder.decode(chunk, { stream: true });
        for (let nl = buffered.indexOf("\n"); nl !== -1 && !announced; nl = buffered.indexOf("\n")) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const info = readyLine(line);
          if (info) {
            announced = true;
            resolve(info);
          } else logStream.write(`${line}\n`);
        }
        if (announced) logStream.write(buffered);
      }
      if (!announced) reject(new Error(`conformance server exited before it was ready:\n${buffered}`));
    })();
    void (async () => {
      for await (const chunk of child.stderr) logStream.write(chunk);
    })();
  });
  const timeout = Bun.sleep(180_000).then(() => {
    throw new Error("conformance server not ready within 180 s");
  });
  try {
    const info = await Promise.race([ready, timeout]);
    return { ...info, stop };
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)} (server log: ${logFile})`);
  }
}

type ReadyLine = { readonly url: string; readonly adminToken: string };

/** conformance-server.ts's `{"url":...,"adminToken":...}` line, or undefined for any other line. */
function readyLine(line: string): ReadyLine | undefined {
  if (!line.startsWith("{") || !line.includes('"adminToken"')) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<ReadyLine>;
    if (typeof parsed.url === "string" && typeof parsed.adminToken === "string") {
      return { url: parsed.url, adminToken: parsed.adminToken };
    }
  } catch {}
  return undefined;
}
