import { type Executor, runComments, runEvents } from "@terrapod/db";
import type { CommentId, RunId, UserId } from "@terrapod/kernel";
import { and, asc, eq, type SQL } from "drizzle-orm";
import type { RunComment } from "./model.ts";

const selection = {
  id: runComments.id,
  runId: runComments.runId,
  body: runComments.body,
  authorUserId: runComments.authorUserId,
  runEventId: runEvents.id,
  createdAt: runComments.createdAt,
};

type Selected = {
  id: string;
  runId: string;
  body: string;
  authorUserId: string | null;
  runEventId: string | null;
  createdAt: Date;
};

function toComment(r: Selected): RunComment {
  return {
    ...r,
    id: r.id as CommentId,
    runId: r.runId as RunId,
    authorUserId: r.authorUserId as UserId | null,
  };
}

function selectComments(db: Executor, where: SQL) {
  return db
    .select(selection)
    .from(runComments)
    .leftJoin(runEvents, and(eq(runEvents.commentId, runComments.id), eq(runEvents.action, "commented")))
    .where(where);
}

/** A run's comments, oldest first. */
export async function listCommentRows(db: Executor, runId: string): Promise<RunComment[]> {
  const rows = await selectComments(db, eq(runComments.runId, runId)).orderBy(
    asc(runComments.createdAt),
    asc(runComments.id),
  );
  return rows.map(toComment);
}

export async function findCommentRow(db: Executor, id: string): Promise<RunComment | undefined> {
  const [row] = await selectComments(db, eq(runComments.id, id)).limit(1);
  return row ? toComment(row) : undefined;
}

/** Stores a comment and the run's `commented` event for it, in the caller's transaction. */
export async function insertComment(
  db: Executor,
  c: {
    id: string;
    eventId: string;
    runId: string;
    body: string;
    author: string;
    authorUserId: string | null;
    at: Date;
  },
): Promise<void> {
  await db.insert(runComments).values({
    id: c.id,
    runId: c.runId,
    body: c.body,
    author: c.author,
    authorUserId: c.authorUserId,
    createdAt: c.at,
  });
  await db.insert(runEvents).values({
    id: c.eventId,
    runId: c.runId,
    action: "commented",
    description: "Run commented",
    actor: c.author,
    actorUserId: c.authorUserId,
    commentId: c.id,
    createdAt: c.at,
  });
}
