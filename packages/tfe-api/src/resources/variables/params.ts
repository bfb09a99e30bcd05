import { InvalidError } from "@terrapod/kernel";
import { type AttributeMap, mapAttributes } from "../../jsonapi/attributes.ts";
import type { JsonApiData } from "../../jsonapi/body.ts";

/** TFE's `vars` vocabulary; read-only attributes a client may echo back are ignored. */
export const variableAttributes: AttributeMap = {
  fields: {
    key: "key",
    value: "value",
    description: "description",
    category: "category",
    hcl: "hcl",
    sensitive: "sensitive",
  },
  ignored: ["created-at", "version-id"],
};

/** Wire document → core variable input (create or update). */
export function variableInput(data: JsonApiData): Record<string, unknown> {
  return mapAttributes(data.attributes, variableAttributes);
}

/** `filter[organization][name]` and `filter[workspace][name]` of the legacy `GET /vars`. */
export function legacyListFilter(params: URLSearchParams): { organization: string; workspace: string } {
  const organization = params.get("filter[organization][name]");
  const workspace = params.get("filter[workspace][name]");
  if (!organization || !workspace) {
    throw new InvalidError(
      "filter[organization][name] and filter[workspace][name] are required",
      undefined,
      "invalid query parameter",
    );
  }
  return { organization, workspace };
}
