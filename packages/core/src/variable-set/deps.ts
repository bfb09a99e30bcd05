import type { VariableDeps } from "../variable/deps.ts";

/** Variable sets need what workspace variables need: the database, access policy and the sealer. */
export type VariableSetDeps = VariableDeps;
