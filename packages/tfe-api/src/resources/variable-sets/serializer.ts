import type { VariableSet } from "@terrapod/core";
import { isoTime, many, type ResourceObject } from "../../jsonapi/document.ts";

export function serializeVariableSet(s: VariableSet): ResourceObject {
  const org = { type: "organizations", id: s.organization };
  return {
    id: s.id,
    type: "varsets",
    attributes: {
      name: s.name,
      description: s.description,
      global: s.global,
      priority: s.priority,
      "updated-at": isoTime(s.updatedAt),
      "var-count": s.variableIds.length,
      "workspace-count": s.workspaceIds.length,
      "project-count": s.projectIds.length,
    },
    relationships: {
      organization: { data: org },
      parent: { data: org },
      workspaces: many("workspaces", s.workspaceIds),
      projects: many("projects", s.projectIds),
      stacks: { data: [] },
      vars: many("vars", s.variableIds),
    },
    links: { self: `/api/v2/varsets/${s.id}` },
  };
}
