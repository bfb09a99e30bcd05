import type { CreateVariableSetInput, UpdateVariableSetInput } from "@terrapod/core";
import { InvalidError } from "@terrapod/kernel";
import { type AttributeMap, mapAttributes } from "../../jsonapi/attributes.ts";
import type { JsonApiData } from "../../jsonapi/body.ts";
import { idParams } from "../../jsonapi/ids.ts";
import { variableAttributes } from "../variables/params.ts";

/** TFE's `varsets` vocabulary; read-only attributes a client may echo back are ignored. */
export const variableSetAttributes: AttributeMap = {
  fields: { name: "name", description: "description", global: "global", priority: "priority" },
  ignored: ["updated-at", "var-count", "workspace-count", "project-count"],
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The elements of a to-many relationship, each checked to be of `type`; undefined when the relationship
 * is absent (so an update can tell "leave alone" from "set to none").
 */
function toMany(data: JsonApiData, name: string, type: string): Record<string, unknown>[] | undefined {
  const rel = data.relationships[name];
  if (rel === undefined || rel === null) return undefined;
  if (!isRecord(rel) || !Array.isArray(rel.data)) {
    throw new InvalidError(
      `relationships.${name}.data must be an array`,
      `/data/relationships/${name}`,
      "invalid document",
    );
  }
  return rel.data.map((item, i) => {
    if (!isRecord(item) || item.type !== type) {
      throw new InvalidError(
        `relationships.${name}.data[${i}] must be of type ${type}`,
        `/data/relationships/${name}/data/${i}`,
        "invalid document",
      );
    }
    return item;
  });
}

function idsOf(items: Record<string, unknown>[] | undefined, name: string): string[] | undefined {
  return items?.map((item, i) => {
    if (typeof item.id !== "string" || item.id === "") {
      throw new InvalidError(
        `relationships.${name}.data[${i}].id is required`,
        `/data/relationships/${name}/data/${i}/id`,
        "invalid document",
      );
    }
    return item.id;
  });
}

/**
 * The parent of a new set: absent, null, or the organization of the path. Sets owned by projects are
 * not supported.
 */
function checkParent(data: JsonApiData, organization: string): void {
  const rel = data.relationships.parent;
  if (rel === undefined || rel === null) return;
  const parent = isRecord(rel) ? rel.data : undefined;
  if (parent === null || parent === undefined) return;
  if (isRecord(parent) && parent.type === "organizations" && parent.id === organization) return;
  if (isRecord(parent) && parent.type === "projects") {
    throw new InvalidError(
      "variable sets owned by a project are not supported; apply an organization's set to the project instead",
      "/data/relationships/parent",
    );
  }
  throw new InvalidError(
    `relationships.parent must be the organization ${organization}`,
    "/data/relationships/parent",
  );
}

/** The workspaces and projects a set applies to; an id that names none is a 404, like an unknown one. */
function relationshipInput(data: JsonApiData): { workspaceIds?: string[]; projectIds?: string[] } {
  const out: { workspaceIds?: string[]; projectIds?: string[] } = {};
  const workspaceIds = idsOf(toMany(data, "workspaces", "workspaces"), "workspaces");
  if (workspaceIds) out.workspaceIds = idParams("workspace", workspaceIds);
  const projectIds = idsOf(toMany(data, "projects", "projects"), "projects");
  if (projectIds) out.projectIds = idParams("project", projectIds);
  return out;
}

export function createVariableSetInput(data: JsonApiData, organization: string): CreateVariableSetInput {
  checkParent(data, organization);
  const input: Record<string, unknown> = {
    ...mapAttributes(data.attributes, variableSetAttributes),
    ...relationshipInput(data),
  };
  const vars = toMany(data, "vars", "vars");
  if (vars) {
    input.variables = vars.map((v) =>
      mapAttributes(isRecord(v.attributes) ? v.attributes : {}, variableAttributes),
    );
  }
  return input as CreateVariableSetInput;
}

export function updateVariableSetInput(data: JsonApiData): UpdateVariableSetInput {
  return {
    ...mapAttributes(data.attributes, variableSetAttributes),
    ...relationshipInput(data),
  } as UpdateVariableSetInput;
}

/** A relationships document (`{data: [{type, id}, …]}`) → ids of `type`. */
export function linkageIds(doc: unknown, type: string): string[] {
  const data = isRecord(doc) ? doc.data : undefined;
  if (!Array.isArray(data)) {
    throw new InvalidError("the document must have a `data` array", "/data", "invalid document");
  }
  return data.map((item, i) => {
    if (!isRecord(item) || item.type !== type || typeof item.id !== "string" || item.id === "") {
      throw new InvalidError(
        `data[${i}] must be {"type":"${type}","id":…}`,
        `/data/${i}`,
        "invalid document",
      );
    }
    return item.id;
  });
}

export function listQuery(params: URLSearchParams): { query?: string } {
  const q = params.get("q");
  return q ? { query: q } : {};
}
