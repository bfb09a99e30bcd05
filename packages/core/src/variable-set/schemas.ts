import { z } from "zod";
import { CreateVariableInput } from "../variable/index.ts";
import { variableSetLimits } from "./model.ts";

const NameInput = z
  .string({ error: (iss) => (iss.input === undefined ? "is required" : "must be a string") })
  .trim()
  .min(1, "is required")
  .max(variableSetLimits.nameMaxLength, `must be at most ${variableSetLimits.nameMaxLength} characters`);

const DescriptionInput = z
  .string({ error: "must be a string" })
  .max(
    variableSetLimits.descriptionMaxLength,
    `must be at most ${variableSetLimits.descriptionMaxLength} characters`,
  )
  .nullable();

const Flag = z.boolean({ error: "must be a boolean" });
const Ids = z.array(z.string().min(1).max(64)).max(1000);

export const CreateVariableSetInput = z.strictObject({
  name: NameInput,
  description: DescriptionInput.optional(),
  global: Flag.optional(),
  priority: Flag.optional(),
  /** Workspaces (ids) to apply the new set to. */
  workspaceIds: Ids.optional(),
  /** Projects (ids) to apply the new set to. */
  projectIds: Ids.optional(),
  /** Variables to create in the new set. */
  variables: z.array(CreateVariableInput).max(500).optional(),
});
export type CreateVariableSetInput = z.input<typeof CreateVariableSetInput>;

/** `workspaceIds` / `projectIds`, when present, replace the set's assignments. */
export const UpdateVariableSetInput = z.strictObject({
  name: NameInput.optional(),
  description: DescriptionInput.optional(),
  global: Flag.optional(),
  priority: Flag.optional(),
  workspaceIds: Ids.optional(),
  projectIds: Ids.optional(),
});
export type UpdateVariableSetInput = z.input<typeof UpdateVariableSetInput>;

export const ListVariableSetsInput = z.strictObject({
  /** Case-insensitive substring of the name (TFE `q`). */
  query: z.string().max(255).optional(),
});
export type ListVariableSetsInput = z.input<typeof ListVariableSetsInput>;

export const VariableSetTargetsInput = z
  .array(z.string().min(1).max(64))
  .min(1, "must not be empty")
  .max(1000);
