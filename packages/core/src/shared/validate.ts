import { InvalidError } from "@terrapod/kernel";
import type { z } from "zod";

/**
 * Parses a verb's input with its schema and turns the first problem into an InvalidError whose pointer
 * names the field (`/data/attributes/<field>` is added by the transport).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join("/") ?? "";
  const field = path === "" ? "input" : path;
  throw new InvalidError(`${field}: ${issue?.message ?? "invalid"}`, path === "" ? undefined : path);
}
