import type { StateVersionOutputRow } from "@terrapod/db";
import {
  type Actor,
  ForbiddenError,
  NotFoundError,
  type StateVersionId,
  type StateVersionOutputId,
} from "@terrapod/kernel";
import { workspaceFor } from "../workspace/index.ts";
import type { StateVersionDeps } from "./deps.ts";
import { outputAad } from "./finalize-state-version.ts";
import type { StateVersionOutput } from "./model.ts";
import { findCurrentStateVersion, findOutputRow, findStateVersionRow, listOutputRows } from "./queries.ts";

function toOutput(deps: StateVersionDeps, row: StateVersionOutputRow, reveal: boolean): StateVersionOutput {
  const hidden = row.sensitive && !reveal;
  return {
    id: row.id as StateVersionOutputId,
    stateVersionId: row.stateVersionId as StateVersionId,
    name: row.name,
    sensitive: row.sensitive,
    type: row.type,
    value: hidden
      ? undefined
      : JSON.parse(deps.secrets.decrypt(row.value, outputAad(row.stateVersionId, row.name))),
    valueHidden: hidden,
  };
}

/**
 * What an actor may see of the state's outputs: reading them needs `state:read-outputs`; their sensitive
 * values need the `state:read-sensitive` permission, asked of the access policy like any other.
 */
async function stateAccess(deps: StateVersionDeps, actor: Actor, workspaceId: string) {
  const ws = await workspaceFor(deps, actor, "state:read-outputs", workspaceId);
  try {
    await deps.access.requireWorkspace(actor, "state:read-sensitive", ws);
    return { revealSensitive: true };
  } catch (err) {
    if (err instanceof ForbiddenError || err instanceof NotFoundError) return { revealSensitive: false };
    throw err;
  }
}

/**
 * Outputs of a state version. As in TFE, this list carries sensitive values for actors with
 * `state:read-sensitive` (go-tfe's TestStateVersionOutputs reads one from it); the workspace's
 * current-state-version-outputs list hides them.
 */
export async function listStateVersionOutputs(
  deps: StateVersionDeps,
  actor: Actor,
  stateVersionId: string,
): Promise<StateVersionOutput[]> {
  const sv = await findStateVersionRow(deps.db, stateVersionId);
  if (!sv) throw new NotFoundError("state version", stateVersionId);
  const { revealSensitive } = await stateAccess(deps, actor, sv.workspaceId);
  return (await listOutputRows(deps.db, sv.id)).map((r) => toOutput(deps, r, revealSensitive));
}

export async function listCurrentStateVersionOutputs(
  deps: StateVersionDeps,
  actor: Actor,
  workspaceId: string,
): Promise<StateVersionOutput[]> {
  await stateAccess(deps, actor, workspaceId);
  const sv = await findCurrentStateVersion(deps.db, workspaceId);
  if (!sv) throw new NotFoundError("current state version of workspace", workspaceId);
  return (await listOutputRows(deps.db, sv.id)).map((r) => toOutput(deps, r, false));
}

/** One output; its sensitive value is revealed to actors with `state:read-sensitive`. */
export async function getStateVersionOutput(
  deps: StateVersionDeps,
  actor: Actor,
  id: string,
): Promise<StateVersionOutput> {
  const found = await findOutputRow(deps.db, id);
  if (!found) throw new NotFoundError("state version output", id);
  const { revealSensitive } = await stateAccess(deps, actor, found.workspaceId);
  return toOutput(deps, found.output, revealSensitive);
}
