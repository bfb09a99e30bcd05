import type { Executor } from "@terrapod/db";

/**
 * Where an `<entity>For` load-and-authorize helper reads: inside the caller's transaction (`tx`), and with
 * `lock`, row-locking the entity there for the rest of it. Without options it reads through `deps.db`.
 */
export type LoadOptions = { readonly tx: Executor; readonly lock?: boolean | undefined };
