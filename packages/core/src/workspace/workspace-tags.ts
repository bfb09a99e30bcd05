import { type Actor, NotFoundError } from "@terrapod/kernel";
import { z } from "zod";
import { parseInput } from "../shared/validate.ts";
import { attachTags, detachTags, ensureTags, findTagIds } from "../tag/index.ts";
import type { WorkspaceDeps } from "./deps.ts";
import { TagNameInput } from "./schemas.ts";
import { workspaceFor } from "./workspace-access.ts";

/** Tags named by name (created when missing) or by id (must exist in the organization). */
export const TagRefsInput = z.strictObject({
  names: z.array(TagNameInput).max(500).default([]),
  ids: z.array(z.string().max(64)).max(500).default([]),
});
export type TagRefsInput = z.input<typeof TagRefsInput>;

export async function addWorkspaceTags(
  deps: WorkspaceDeps,
  actor: Actor,
  id: string,
  raw: TagRefsInput,
): Promise<void> {
  const refs = parseInput(TagRefsInput, raw);
  await deps.db.transaction(async (tx) => {
    const ws = await workspaceFor(deps, actor, "workspace:update", id, { tx, lock: true });
    const byName = await ensureTags(tx, deps.ids, ws.organizationId, refs.names, deps.clock.now());
    const byId = await findTagIds(tx, ws.organizationId, { ids: refs.ids });
    if (byId.length !== new Set(refs.ids).size) throw new NotFoundError("tag", refs.ids.join(","));
    await attachTags(tx, ws.id, [...byName, ...byId]);
  });
}

/** Removes tags from a workspace; tags it does not carry are ignored. */
export async function removeWorkspaceTags(
  deps: WorkspaceDeps,
  actor: Actor,
  id: string,
  raw: TagRefsInput,
): Promise<void> {
  const refs = parseInput(TagRefsInput, raw);
  await deps.db.transaction(async (tx) => {
    const ws = await workspaceFor(deps, actor, "workspace:update", id, { tx, lock: true });
    await detachTags(tx, ws.id, await findTagIds(tx, ws.organizationId, refs));
  });
}
