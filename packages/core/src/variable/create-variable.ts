import { isUniqueViolation, variables } from "@terrapod/db";
import type { Actor } from "@terrapod/kernel";
import { parseInput } from "../shared/validate.ts";
import { workspaceFor } from "../workspace/index.ts";
import type { VariableDeps } from "./deps.ts";
import { VariableKeyTakenError } from "./errors.ts";
import type { Variable } from "./model.ts";
import { CreateVariableInput } from "./schemas.ts";
import { newVariableColumns, toVariable } from "./stored.ts";

/** Creates a workspace variable; its value is sealed at rest whether or not it is sensitive. */
export async function createVariable(
  deps: VariableDeps,
  actor: Actor,
  workspaceId: string,
  raw: CreateVariableInput,
): Promise<Variable> {
  const ws = await workspaceFor(deps, actor, "variable:write", workspaceId);
  const input = parseInput(CreateVariableInput, raw);
  const id = deps.ids("variable");
  const now = deps.clock.now();
  const { attrs, columns } = newVariableColumns(deps.secrets, id, input);
  const row = { id, workspaceId: ws.id, ...columns, createdAt: now, updatedAt: now };
  try {
    await deps.db.insert(variables).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new VariableKeyTakenError(attrs.key);
    throw err;
  }
  return toVariable(row, { kind: "workspace", id: ws.id }, deps.secrets);
}
