import type { ConfigurationVersion } from "@terrapod/core";
import { isoTime, type ResourceObject } from "../../jsonapi/document.ts";
import type { UrlBuilder } from "../../urls.ts";

export const configurationUploadTtlSeconds = 30 * 60;

/**
 * `withUploadUrl`: only the create response carries the upload URL, as in TFE (reads leave it empty;
 * clients keep the one they were given).
 */
export function serializeConfigurationVersion(
  cv: ConfigurationVersion,
  urls: UrlBuilder,
  opts: { withUploadUrl?: boolean } = {},
): ResourceObject {
  const timestamps: Record<string, string | null> = {};
  if (cv.createdAt) timestamps["queued-at"] = isoTime(cv.createdAt);
  if (cv.uploadedAt) timestamps["finished-at"] = isoTime(cv.uploadedAt);
  return {
    id: cv.id,
    type: "configuration-versions",
    attributes: {
      "auto-queue-runs": cv.autoQueueRuns,
      error: cv.status === "errored" ? "invalid_archive" : null,
      "error-message": cv.errorMessage,
      source: cv.source,
      speculative: cv.speculative,
      provisional: cv.provisional,
      status: cv.status,
      "status-timestamps": timestamps,
      size: cv.size,
      "upload-url":
        opts.withUploadUrl && cv.status === "pending"
          ? urls.capability("configuration-upload", cv.id, configurationUploadTtlSeconds)
          : null,
      "changed-files": [],
    },
    relationships: {
      "ingress-attributes": { data: null },
    },
    links: {
      self: `/api/v2/configuration-versions/${cv.id}`,
      download: `/api/v2/configuration-versions/${cv.id}/download`,
    },
  };
}
