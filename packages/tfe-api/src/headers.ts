/** Headers the CLIs and go-tfe read on every API response (tfe-protocol.md §1.3). */
export const tfeApiVersion = "2.6";
/** `vYYYYMM-N`; only read when a workspace has structured run output, which we never enable. */
export const tfeVersion = "v202507-1";
export const tfeAppName = "Terraform Enterprise";

export function tfeHeaders(rateLimitPerSecond: number): Record<string, string> {
  return {
    "tfp-api-version": tfeApiVersion,
    "tfp-appname": tfeAppName,
    "x-tfe-version": tfeVersion,
    // go-tfe derives its client-side limiter from this; values <= 3 would stall every request.
    "x-ratelimit-limit": String(Math.max(4, Math.floor(rateLimitPerSecond))),
  };
}
