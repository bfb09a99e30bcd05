import { z } from "zod";
import { ExecutionModeSetting, offOnly } from "../shared/settings.ts";
import {
  labelKeyPattern,
  labelLimits,
  reservedLabelKeys,
  workspaceNameMaxLength,
  workspaceNamePattern,
} from "./model.ts";

export const WorkspaceNameInput = z
  .string()
  .min(1, "is required")
  .max(workspaceNameMaxLength, `must be at most ${workspaceNameMaxLength} characters`)
  .regex(workspaceNamePattern, "is invalid: use only letters, numbers, '-' and '_'");

export const TagNameInput = z
  .string()
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9:_-]*$/, "may contain only letters, numbers, ':', '-' and '_'")
  .transform((s) => s.toLowerCase());

export const LabelsInput = z
  .record(
    z
      .string()
      .max(labelLimits.maxKeyLength, `label keys must be at most ${labelLimits.maxKeyLength} characters`)
      .regex(labelKeyPattern, "label keys must be lower-case letters, digits, '.', '-' or '_'")
      .refine((k) => !(reservedLabelKeys as readonly string[]).includes(k), "label key is reserved"),
    z
      .string()
      .max(
        labelLimits.maxValueLength,
        `label values must be at most ${labelLimits.maxValueLength} characters`,
      ),
  )
  .refine((r) => Object.keys(r).length <= labelLimits.maxEntries, `at most ${labelLimits.maxEntries} labels`);

/** A terraform/tofu version (`1.5.7`, `1.10.0-rc1`) or `latest`; constraints like `~> 1.5` too. */
export const TerraformVersionInput = z
  .string()
  .max(64)
  .regex(/^(latest|[~<>=! ]*\d+(\.\d+){0,2}(-[0-9A-Za-z.]+)?)$/, "is not a valid version");

const WorkingDirectoryInput = z
  .string()
  .max(1024)
  .refine(
    (d) => !d.split("/").includes("..") && !d.startsWith("/"),
    "must be a relative path inside the configuration",
  );

const workspaceFields = {
  name: WorkspaceNameInput,
  description: z.string().max(5000).optional(),
  executionMode: ExecutionModeSetting.optional(),
  /** Follow the organization's default execution mode (TFE `setting-overwrites.execution-mode` false). */
  executionModeInherited: z.boolean().optional(),
  terraformVersion: TerraformVersionInput.optional(),
  engine: z.enum(["terraform", "tofu"]).optional(),
  autoApply: z.boolean().optional(),
  workingDirectory: WorkingDirectoryInput.nullable().optional(),
  allowDestroyPlan: z.boolean().optional(),
  fileTriggersEnabled: z.boolean().optional(),
  queueAllRuns: z.boolean().optional(),
  speculativeEnabled: z.boolean().optional(),
  globalRemoteState: z.boolean().optional(),
  assessmentsEnabled: offOnly("Terrapod has no health assessments (drift detection) yet").optional(),
  /** When to queue an auto-applied destroy run (null: none scheduled). */
  autoDestroyAt: z.iso
    .datetime({ offset: true, message: "must be an ISO 8601 time, such as 2030-01-01T00:00:00Z" })
    .transform((s) => new Date(s))
    .nullable()
    .optional(),
  triggerPrefixes: z.array(z.string().max(1024)).max(100).optional(),
  triggerPatterns: z.array(z.string().max(1024)).max(100).optional(),
  sourceName: z.string().max(255).nullable().optional(),
  sourceUrl: z.string().max(2048).nullable().optional(),
  labels: LabelsInput.optional(),
  projectId: z.string().max(64).optional(),
  tagNames: z.array(TagNameInput).max(500).optional(),
};

export const CreateWorkspaceInput = z.strictObject(workspaceFields);
export type CreateWorkspaceInput = z.input<typeof CreateWorkspaceInput>;

export const UpdateWorkspaceInput = z.strictObject({
  ...workspaceFields,
  name: WorkspaceNameInput.optional(),
  tagNames: z.undefined().optional(),
});
export type UpdateWorkspaceInput = z.input<typeof UpdateWorkspaceInput>;

export const ListWorkspacesInput = z.strictObject({
  search: z.string().max(255).optional(),
  wildcardName: z.string().max(255).optional(),
  tags: z.array(z.string().max(255)).max(50).optional(),
  excludeTags: z.array(z.string().max(255)).max(50).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  projectId: z.string().max(64).optional(),
  currentRunStatus: z.string().max(64).optional(),
  /** `name` (the default) or the current run's creation time; `-` for descending. */
  sort: z.enum(["name", "-name", "current-run.created-at", "-current-run.created-at"]).optional(),
});
export type ListWorkspacesInput = z.input<typeof ListWorkspacesInput>;
