import type { Actor } from "@terrapod/kernel";
import type { CoreDeps } from "../shared/deps.ts";
import { getUserProfiles } from "./get-users.ts";

export function createUserService(deps: CoreDeps) {
  return {
    profiles: (actor: Actor, ids: readonly string[]) => getUserProfiles(deps, actor, ids),
  };
}

export type UserService = ReturnType<typeof createUserService>;
