import { z } from "zod";
import { projectLimits, projectNamePattern } from "./model.ts";

/** Messages complete a sentence that starts with the field's label ("Name is too short …"), as TFE's do. */
export const ProjectNameInput = z
  .string({ error: (iss) => (iss.input === undefined ? "is required" : "must be a string") })
  .min(projectLimits.nameMinLength, `is too short (minimum is ${projectLimits.nameMinLength} characters)`)
  .max(projectLimits.nameMaxLength, `is too long (maximum is ${projectLimits.nameMaxLength} characters)`)
  .regex(
    projectNamePattern,
    "may only contain letters, numbers, spaces, '-' and '_', and may not start or end with a space",
  );

const DescriptionInput = z
  .string({ error: "must be a string" })
  .max(
    projectLimits.descriptionMaxLength,
    `is too long (maximum is ${projectLimits.descriptionMaxLength} characters)`,
  )
  .nullable();

export const CreateProjectInput = z.strictObject({
  name: ProjectNameInput,
  description: DescriptionInput.optional(),
});
export type CreateProjectInput = z.input<typeof CreateProjectInput>;

export const UpdateProjectInput = z.strictObject({
  name: ProjectNameInput.optional(),
  description: DescriptionInput.optional(),
});
export type UpdateProjectInput = z.input<typeof UpdateProjectInput>;

export const ListProjectsInput = z.strictObject({
  /** Exact names; a project matching any of them is listed (TFE `filter[names]`). */
  names: z.array(z.string().max(255)).max(100).optional(),
  /** Case-insensitive substring of the name (TFE `q`). */
  query: z.string().max(255).optional(),
});
export type ListProjectsInput = z.input<typeof ListProjectsInput>;
