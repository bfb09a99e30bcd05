/**
 * A throwaway certificate authority and a server certificate for `localhost` / 127.0.0.1, made with the
 * openssl CLI at test time. The real clients trust the CA through `SSL_CERT_FILE`; Terrapod serves the
 * server certificate.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export type TestCertificates = {
  /** PEM of the CA certificate: what clients get as SSL_CERT_FILE. */
  readonly caCert: string;
  /** PEM paths for the server (TERRAPOD_TLS_CERT / TERRAPOD_TLS_KEY). */
  readonly serverCert: string;
  readonly serverKey: string;
};

async function openssl(openSslPath: string, args: readonly string[], cwd: string): Promise<void> {
  const child = Bun.spawn({
    cmd: [openSslPath, ...args],
    cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    // openssl needs no environment; keep the machine's OPENSSL_CONF and friends out.
    env: { PATH: "/usr/bin:/bin" },
  });
  const [code, out, err] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`openssl ${args.join(" ")} exited ${code}\n${out}${err}`);
}

/** Creates `ca.pem`, `server.pem` and `server-key.pem` in `dir` (P-256 keys, valid for two days). */
export async function createTestCertificates(dir: string, openSslPath: string): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    openSslPath,
    [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca-key.pem",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=Terrapod e2e throwaway CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  await openssl(
    openSslPath,
    ["req", ...ec, "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=localhost"],
    dir,
  );
  await writeFile(
    join(dir, "server.ext"),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "",
    ].join("\n"),
  );
  await openssl(
    openSslPath,
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "server.ext",
    ],
    dir,
  );
  return {
    caCert: join(dir, "ca.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server-key.pem"),
  };
}
