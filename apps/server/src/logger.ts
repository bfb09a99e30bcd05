import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";

export type { Logger } from "pino";

/** Fields that must never reach a log line, wherever they appear (one level deep). */
const secretKeys = [
  "authorization",
  "token",
  "password",
  "secret",
  "adminToken",
  "encryptionKey",
  "value",
  "cookie",
  "set-cookie",
  "databaseUrl",
];

export function createLogger(opts: { level: LogLevel }, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: "terrapod-server" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [...secretKeys, ...secretKeys.map((k) => `*.${k}`), "req.headers.authorization"],
        censor: "[redacted]",
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
