import {
  type IdKind,
  InvalidError,
  idKindName,
  idPrefix,
  NotFoundError,
  parseId,
  type TfeId,
} from "@terrapod/kernel";

/** Ids are echoed in error details; a long one is cut so a huge body cannot come back whole. */
function shown(raw: string): string {
  return raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
}

/**
 * Parses an id that names the resource a request reads or acts on: a path segment (`/workspaces/:id`), a
 * `filter[...][id]` that selects the parent, or a relationship whose target must exist (`/runs`'
 * `workspace`, a variable set's `workspaces`). An id that cannot be of `kind` names nothing, so it is
 * answered like one that does not exist: NotFoundError (404), as TFE does. Call it after authenticating,
 * so a missing credential is still a 401.
 */
export function idParam<K extends IdKind>(kind: K, raw: string): TfeId<K> {
  const id = parseId(kind, raw);
  if (id === undefined) throw new NotFoundError(idKindName(kind), shown(raw));
  return id;
}

/** `idParam` for every id of a to-many relationship (`{data: [{type, id}, …]}`). */
export function idParams<K extends IdKind>(kind: K, raws: readonly string[]): TfeId<K>[] {
  return raws.map((raw) => idParam(kind, raw));
}

/**
 * Parses an id given as input rather than as a resource to find: a list filter that only narrows the
 * result (`filter[project][id]`), or a relationship the server answers 422 for when it names nothing.
 * A malformed one is invalid input: InvalidError (422) at the JSON pointer or for the query parameter.
 */
export function idInput<K extends IdKind>(
  kind: K,
  raw: string,
  at: { readonly pointer: string } | { readonly parameter: string },
): TfeId<K> {
  const id = parseId(kind, raw);
  if (id !== undefined) return id;
  const message = `${JSON.stringify(shown(raw))} is not a ${idKindName(kind)} id (${idPrefix(kind)}-…)`;
  if ("pointer" in at) throw new InvalidError(message, at.pointer);
  throw new InvalidError(`${at.parameter}: ${message}`, undefined, "invalid query parameter");
}

/**
 * The ids of `kind` among `raws`, dropping those that cannot be of that kind: for removals, where an id
 * that names nothing is ignored like one that does not exist.
 */
export function knownIds<K extends IdKind>(kind: K, raws: readonly string[]): TfeId<K>[] {
  return raws.flatMap((raw) => parseId(kind, raw) ?? []);
}
