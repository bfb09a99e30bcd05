import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";

export type { Logger } from "pino";

/** Fields that must never reach a log line, wherever they appear (one level deep). */
const secretKeys = ["authorization", "token", "value", "variables", "env"];

/** JSON lines on stdout (the embedded server or the pod's log collector picks them up). */
export function createLogger(opts: { level: LogLevel }, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: "terrapod-runner" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...secretKeys, ...secretKeys.map((k) => `*.${k}`)], censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
