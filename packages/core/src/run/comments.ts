import type { Executor } from "@terrapod/db";
import {
  type Actor,
  type CommentId,
  describeActor,
  InternalError,
  NotFoundError,
  type OrganizationName,
} from "@terrapod/kernel";
import { z } from "zod";
import type { WorkspaceAction } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";
import { parseInput } from "../shared/validate.ts";
import { findCommentRow, insertComment, listCommentRows } from "./comment-queries.ts";
import type { RunDeps } from "./deps.ts";
import type { Run, RunComment } from "./model.ts";
import { findRunById } from "./queries.ts";

export const CreateCommentInput = z.strictObject({
  body: z.string().trim().min(1, "must not be empty").max(65536, "must be at most 65536 characters"),
});
export type CreateCommentInput = z.input<typeof CreateCommentInput>;

/**
 * Stores `body` as a comment of the run by `actor`, with the run's `commented` event, in the caller's
 * transaction (an action's comment is kept only if the action is). Blank comments are not kept.
 */
export async function addComment(
  tx: Executor,
  deps: Pick<CoreDeps, "clock" | "ids">,
  actor: Actor,
  runId: string,
  body: string | undefined,
): Promise<CommentId | undefined> {
  if (body === undefined || body.trim() === "") return undefined;
  const id = deps.ids("comment");
  await insertComment(tx, {
    id,
    eventId: deps.ids("runEvent"),
    runId,
    body,
    author: describeActor(actor),
    authorUserId: actor.kind === "user" ? actor.userId : null,
    at: deps.clock.now(),
  });
  return id;
}

/** The run, once the actor may do `action` on its workspace (hidden and missing runs: NotFoundError). */
async function runFor(deps: RunDeps, actor: Actor, runId: string, action: WorkspaceAction) {
  const row = await findRunById(deps.db, runId);
  if (!row) throw new NotFoundError("run", runId);
  await deps.access.requireWorkspace(actor, action, {
    id: row.run.workspaceId as Run["workspaceId"],
    organization: row.orgName as OrganizationName,
  });
  return row.run;
}

/** `POST /runs/:id/comments`: anyone who may queue plans on the workspace may comment on its runs. */
export async function commentOnRun(
  deps: RunDeps,
  actor: Actor,
  runId: string,
  raw: CreateCommentInput,
): Promise<RunComment> {
  const { body } = parseInput(CreateCommentInput, raw);
  const run = await runFor(deps, actor, runId, "run:comment");
  const id = await deps.db.transaction((tx) => addComment(tx, deps, actor, run.id, body));
  const comment = id ? await findCommentRow(deps.db, id) : undefined;
  if (!comment) throw new InternalError("a comment vanished after insert");
  return comment;
}

/** `GET /runs/:id/comments`: the run's comments, oldest first. */
export async function listRunComments(deps: RunDeps, actor: Actor, runId: string): Promise<RunComment[]> {
  const run = await runFor(deps, actor, runId, "run:read");
  return listCommentRows(deps.db, run.id);
}

/** `GET /comments/:id`: one comment, for whoever may read its run. */
export async function getRunComment(deps: RunDeps, actor: Actor, id: string): Promise<RunComment> {
  const comment = await findCommentRow(deps.db, id);
  if (!comment) throw new NotFoundError("comment", id);
  try {
    await runFor(deps, actor, comment.runId, "run:read");
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("comment", id);
    throw err;
  }
  return comment;
}
