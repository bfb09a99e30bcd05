import { isUniqueViolation, projects } from "@terrapod/db";
import { type Actor, InternalError, type OrganizationName } from "@terrapod/kernel";
import { organizationNamed } from "../organization/index.ts";
import type { ProjectDeps } from "./deps.ts";
import { ProjectNameTakenError } from "./errors.ts";
import type { Project } from "./model.ts";
import { parseProjectInput } from "./parse-input.ts";
import { findProject } from "./queries.ts";
import { CreateProjectInput } from "./schemas.ts";

/** Creates a project in an organization; names are unique per organization. */
export async function createProject(
  deps: ProjectDeps,
  actor: Actor,
  organization: OrganizationName,
  raw: CreateProjectInput,
): Promise<Project> {
  await deps.access.requireOrganization(actor, "project:manage", organization);
  const input = parseProjectInput(CreateProjectInput, raw);
  const id = deps.ids("project");
  const now = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const org = await organizationNamed(tx, organization);
      await tx.insert(projects).values({
        id,
        organizationId: org.id,
        name: input.name,
        description: input.description ?? "",
        isDefault: false,
        createdAt: now,
        updatedAt: now,
      });
      const project = await findProject(tx, id);
      if (!project) throw new InternalError("project vanished after insert");
      return project;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ProjectNameTakenError(input.name);
    throw err;
  }
}
