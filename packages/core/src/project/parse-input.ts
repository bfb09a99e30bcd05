import { InvalidError } from "@terrapod/kernel";
import type { z } from "zod";

const labels: Readonly<Record<string, string>> = { name: "Name", description: "Description" };

/**
 * Parses a project verb's input. Unlike the shared parser, the detail is a sentence led by the field's
 * label ("Name may only contain …"): TFE words project errors that way and go-tfe's tests match on it.
 */
export function parseProjectInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join("/") ?? "";
  const message = issue?.message ?? "is invalid";
  if (path === "") throw new InvalidError(message);
  const head = path.split("/")[0] ?? path;
  throw new InvalidError(`${labels[head] ?? path} ${message}`, path);
}
