import type { StateVersionOutputRow } from "@terrapod/db";
import { type Actor, NotFoundError, type StateVersionId, type StateVersionOutputId } from "@terrapod/kernel";
import { atLeast, workspaceActionLevels } from "../access/index.ts";
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

/** The level an actor has on the state's workspace: outputs need read; sensitive values need state read. */
async function stateAccess(deps: StateVersionDeps, actor: Actor, workspaceId: string) {
  const ws = await workspaceFor(deps, actor, "state:read-outputs", workspaceId);
  const level = await deps.access.workspaceLevel(actor, ws);
  return { revealSensitive: atLeast(level, workspaceActionLevels["state:read"]) };
}

/**
 * Outputs of a state version. As in TFE, this list carries sensitive values for actors that may read
 * the whole state (go-tfe's TestStateVersionOutputs reads one from it); the workspace's
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

/** One output; its sensitive value is revealed to actors that may read the whole state anyway. */
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
