import type { Variable } from "@terrapod/core";
import { isoTime, type ResourceObject } from "../../jsonapi/document.ts";

/**
 * A workspace or variable-set variable as a `vars` resource. A sensitive variable's value is always
 * null, whatever the domain object carries.
 */
export function serializeVariable(v: Variable): ResourceObject {
  const owner =
    v.owner.kind === "workspace"
      ? {
          relationships: {
            configurable: {
              data: { type: "workspaces", id: v.owner.id },
              links: { related: `/api/v2/workspaces/${v.owner.id}` },
            },
          },
          self: `/api/v2/workspaces/${v.owner.id}/vars/${v.id}`,
        }
      : {
          relationships: {
            varset: {
              data: { type: "varsets", id: v.owner.id },
              links: { related: `/api/v2/varsets/${v.owner.id}` },
            },
          },
          self: `/api/v2/varsets/${v.owner.id}/relationships/vars/${v.id}`,
        };
  return {
    id: v.id,
    type: "vars",
    attributes: {
      key: v.key,
      value: v.sensitive ? null : v.value,
      sensitive: v.sensitive,
      category: v.category,
      hcl: v.hcl,
      description: v.description,
      "created-at": isoTime(v.createdAt),
      "version-id": v.versionId,
    },
    relationships: owner.relationships,
    links: { self: owner.self },
  };
}
