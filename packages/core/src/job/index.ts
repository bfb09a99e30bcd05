export type { ClaimedPhase } from "./claim-job.ts";
export type { EffectiveVariable, JobDeps } from "./deps.ts";
export { phaseOutcome, shutdownApplyMessage } from "./finish-job.ts";
export type { RunnerProcess } from "./list-runner-processes.ts";
export type { ReapFilter } from "./reap-jobs.ts";
export type { RunnerProcessRecord } from "./record-runner-process.ts";
export * from "./service.ts";
