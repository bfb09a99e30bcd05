import { describe, expect, test } from "bun:test";
import { NotFoundError, type TerrapodError, UnavailableError } from "@terrapod/kernel";
import { toErrorResponse } from "./errors.ts";

describe("toErrorResponse", () => {
  test("a 503 names the dependency at most; its text goes to onUnavailable, not to the client", async () => {
    const logged: TerrapodError[] = [];
    const err = new UnavailableError(
      "S3 bucket tp-prod is not reachable: connect ECONNREFUSED 10.1.2.3:9000",
      {
        dependency: "storage",
      },
    );
    const res = toErrorResponse(err, { onUnavailable: (e) => logged.push(e) });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      errors: [
        { status: "503", title: "service unavailable", detail: "storage is unavailable; retry later" },
      ],
    });
    expect(logged).toEqual([err]);
  });

  test("without a dependency name: a generic detail", async () => {
    const res = toErrorResponse(new UnavailableError("Redis publish failed: ECONNRESET"));
    const text = await res.text();
    expect(text).toContain("a dependency is unavailable; retry later");
    expect(text).not.toContain("ECONNRESET");
  });

  test("other errors keep their message", async () => {
    const res = toErrorResponse(new NotFoundError("workspace", "ws-x"));
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("workspace ws-x not found");
  });
});
