import { describe, expect, test } from "bun:test";
import { createLogger } from "./logger.ts";

describe("logger", () => {
  test("secrets never reach a log line", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info" }, { write: (line: string) => void lines.push(line) });
    log.info(
      {
        authorization: "Bearer at-secret-1",
        token: "tok-secret-2",
        req: { headers: { authorization: "Bearer at-secret-3" } },
        job: { password: "pw-secret-4", value: "sensitive-5", runId: "run-1" },
      },
      "request",
    );
    const out = lines.join("");
    for (const secret of ["at-secret-1", "tok-secret-2", "at-secret-3", "pw-secret-4", "sensitive-5"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("run-1");
    expect(out).toContain("[redacted]");
  });
});
