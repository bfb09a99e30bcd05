import type { Project, ProjectPermissions } from "@terrapod/core";
import { isoTime, type ResourceObject } from "../../jsonapi/document.ts";

export function serializeProject(p: Project, perms: ProjectPermissions): ResourceObject {
  return {
    id: p.id,
    type: "projects",
    attributes: {
      name: p.name,
      description: p.description,
      "created-at": isoTime(p.createdAt),
      "workspace-count": p.workspaceCount,
      "is-unified": false,
      "default-execution-mode": p.defaultExecutionMode,
      "setting-overwrites": { "default-execution-mode": false, "default-agent-pool": false },
      permissions: {
        "can-read": perms.canRead,
        "can-update": perms.canUpdate,
        "can-destroy": perms.canDestroy,
        "can-create-workspace": perms.canCreateWorkspace,
        "can-move-workspace": perms.canMoveWorkspace,
      },
    },
    relationships: {
      organization: { data: { type: "organizations", id: p.organization } },
      "default-agent-pool": { data: null },
    },
    links: { self: `/api/v2/projects/${p.id}` },
  };
}
