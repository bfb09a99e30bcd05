import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";
import type { BlobPort } from "../shared/ports.ts";
import type { SecretSealer } from "../shared/secrets.ts";

/** State versions need the full blob port (packages/storage satisfies it). */
export type StateBlobs = BlobPort;

export type { SecretSealer } from "../shared/secrets.ts";

export type StateVersionDeps = CoreDeps & {
  readonly access: AccessPolicy;
  readonly blobs: StateBlobs;
  readonly secrets: SecretSealer;
  readonly limits: { readonly maxStateBytes: number };
};
