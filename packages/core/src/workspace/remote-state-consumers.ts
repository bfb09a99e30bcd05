import { type Actor, InvalidError, type Page, type PageRequest } from "@terrapod/kernel";
import { z } from "zod";
import { atLeast } from "../access/index.ts";
import { parseInput } from "../shared/validate.ts";
import type { WorkspaceDeps } from "./deps.ts";
import type { Workspace } from "./model.ts";
import { findWorkspacesByIds } from "./queries.ts";
import { addConsumers, listConsumerIds, removeConsumers } from "./remote-state-queries.ts";
import { workspaceFor } from "./workspace-access.ts";

/** Workspace ids given to the `remote-state-consumers` relationship. */
export const ConsumerIdsInput = z.array(z.string().min(1).max(64)).max(1000);
export type ConsumerIdsInput = z.input<typeof ConsumerIdsInput>;

/** How a `remote-state-consumers` request changes the list: POST adds, DELETE removes, PATCH replaces. */
export type ConsumerChange = "add" | "remove" | "replace";

/** The workspaces allowed to read this workspace's state outputs (those the caller can see). */
export async function listRemoteStateConsumers(
  deps: WorkspaceDeps,
  actor: Actor,
  id: string,
  page: PageRequest,
): Promise<Page<Workspace>> {
  const ws = await workspaceFor(deps, actor, "workspace:read", id);
  const { ids, total } = await listConsumerIds(deps.db, ws.id, page);
  const byId = new Map((await findWorkspacesByIds(deps.db, ids)).map((w) => [w.id as string, w]));
  const items: Workspace[] = [];
  for (const consumerId of ids) {
    const consumer = byId.get(consumerId);
    if (consumer && atLeast(await deps.access.workspaceLevel(actor, consumer), "read")) items.push(consumer);
  }
  return { items, total, page: page.page, size: page.size };
}

/**
 * Adds, removes or replaces remote state consumers. Consumers to add must be other workspaces of the
 * same organization (a 422 names the first that is not); removing one that is not a consumer does nothing.
 */
export async function changeRemoteStateConsumers(
  deps: WorkspaceDeps,
  actor: Actor,
  id: string,
  change: ConsumerChange,
  raw: ConsumerIdsInput,
): Promise<void> {
  const consumerIds = [...new Set(parseInput(ConsumerIdsInput, raw))];
  await deps.db.transaction(async (tx) => {
    const ws = await workspaceFor(deps, actor, "workspace:update", id, { tx, lock: true });
    if (change === "remove") return removeConsumers(tx, ws.id, consumerIds);
    const found = new Map((await findWorkspacesByIds(tx, consumerIds)).map((w) => [w.id as string, w]));
    for (const consumerId of consumerIds) {
      const consumer = found.get(consumerId);
      if (!consumer || consumer.organizationId !== ws.organizationId) {
        throw new InvalidError(`remote state consumer ${consumerId}: workspace not found`, "/data");
      }
      if (consumer.id === ws.id) {
        throw new InvalidError("a workspace cannot be its own remote state consumer", "/data");
      }
    }
    if (change === "replace") await removeConsumers(tx, ws.id, "all");
    await addConsumers(tx, ws.id, consumerIds, deps.clock.now());
  });
}
