export type { ClaimedPhase } from "./claim-job.ts";
export type { EffectiveVariable, JobDeps } from "./deps.ts";
export { phaseOutcome } from "./finish-job.ts";
export type { ReapFilter } from "./reap-jobs.ts";
export * from "./service.ts";
