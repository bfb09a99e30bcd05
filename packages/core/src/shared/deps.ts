import type { Database } from "@terrapod/db";
import type { Clock, IdGenerator } from "@terrapod/kernel";

/** What every core verb may depend on. Domains add their own narrow ports on top. */
export type CoreDeps = {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
};
