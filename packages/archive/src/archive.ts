/**
 * Configuration archives ("slugs": gzipped tar in go-slug format). The server validates every upload
 * while streaming it into storage ({@link createArchiveInspector}); the runner extracts it
 * ({@link extractArchive}). Both go through the same scanner, so they accept exactly the same archives.
 *
 * Refused: absolute paths, `..` segments, backslashes, NUL bytes, symlinks and hard links that leave
 * the tree (also through chains of symlinks), entries below a symlink, duplicate paths, devices, FIFOs,
 * unknown entry types, and archives over the limits. Inflation stops as soon as a limit is crossed, so a
 * gzip bomb is never inflated in full. AppleDouble entries (`._*`) are skipped, like go-slug does.
 */

export { extractArchive } from "./archive-extract.ts";
export type { ArchiveInspection } from "./archive-inspect.ts";
export { createArchiveInspector, inspectArchive } from "./archive-inspect.ts";
export type { ArchiveEntry, ArchiveLimits, ArchiveProblem, ArchiveSummary } from "./archive-model.ts";
export { defaultArchiveLimits, InvalidArchiveError } from "./archive-model.ts";
