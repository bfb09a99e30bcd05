import { z } from "zod";
import { keyProblem, variableCategories, variableLimits } from "./model.ts";

const KeyInput = z
  .string({ error: (iss) => (iss.input === undefined ? "is required" : "must be a string") })
  .min(1, "is required")
  .max(variableLimits.keyMaxLength, `must be at most ${variableLimits.keyMaxLength} characters`);

const CategoryInput = z.enum(variableCategories, {
  error: (iss) => (iss.input === undefined ? "is required" : 'must be "terraform" or "env"'),
});

/** Values are strings; an absent or null value is stored as "". */
const ValueInput = z
  .string({ error: "must be a string" })
  .max(variableLimits.valueMaxLength, `must be at most ${variableLimits.valueMaxLength} characters`)
  .nullable();

const DescriptionInput = z
  .string({ error: "must be a string" })
  .max(
    variableLimits.descriptionMaxLength,
    `must be at most ${variableLimits.descriptionMaxLength} characters`,
  )
  .nullable();

const Flag = z.boolean({ error: "must be a boolean" });

export const CreateVariableInput = z
  .strictObject({
    key: KeyInput,
    value: ValueInput.optional(),
    description: DescriptionInput.optional(),
    category: CategoryInput,
    hcl: Flag.optional(),
    sensitive: Flag.optional(),
  })
  .superRefine((v, ctx) => {
    const problem = keyProblem(v.key, v.category);
    if (problem) ctx.addIssue({ code: "custom", path: ["key"], message: problem });
  });
export type CreateVariableInput = z.input<typeof CreateVariableInput>;

/** Every attribute is optional; the key is checked against the resulting category by the verb. */
export const UpdateVariableInput = z.strictObject({
  key: KeyInput.optional(),
  value: ValueInput.optional(),
  description: DescriptionInput.optional(),
  category: CategoryInput.optional(),
  hcl: Flag.optional(),
  sensitive: Flag.optional(),
});
export type UpdateVariableInput = z.input<typeof UpdateVariableInput>;

/**
 * Run variables (`-var`, `-var-file`, `TF_VAR_*` of declared root variables) as the CLI sends them:
 * the value is an HCL literal expression (`"eu-west-1"` with the quotes, `42`, `["a"]`).
 */
export const RunVariablesInput = z
  .array(
    z.strictObject({
      key: z
        .string()
        .min(1, "is required")
        .max(variableLimits.keyMaxLength)
        .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "must be a Terraform identifier"),
      value: z.string().max(variableLimits.valueMaxLength),
    }),
  )
  .max(1000);
export type RunVariablesInput = z.input<typeof RunVariablesInput>;
