import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { OrganizationAction } from "../access/index.ts";
import type { LoadOptions } from "../shared/load-options.ts";
import type { TagDeps } from "./deps.ts";
import type { Tag } from "./model.ts";
import { findTag } from "./queries.ts";

/**
 * Loads a tag and checks the actor may do `action` in its organization. A tag of an organization the
 * actor cannot see is NotFound, like a missing one, and the error names the tag, not the organization.
 */
export async function tagFor(
  deps: Pick<TagDeps, "db" | "access">,
  actor: Actor,
  action: OrganizationAction,
  id: string,
  opts?: Pick<LoadOptions, "tx">,
): Promise<Tag> {
  const tag = await findTag(opts?.tx ?? deps.db, id);
  if (!tag) throw new NotFoundError("tag", id);
  try {
    await deps.access.requireOrganization(actor, action, tag.organization);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("tag", id);
    throw err;
  }
  return tag;
}
