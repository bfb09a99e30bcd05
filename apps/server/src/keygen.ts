import { generateKeySpec } from "@terrapod/storage";
import { generateCapabilityKey } from "./keyring.ts";

/**
 * Prints a new key: by default an encryption keyring entry for TERRAPOD_ENCRYPTION_KEY (`id=base64 of
 * 32 random bytes`); with `capability`, a key for TERRAPOD_CAPABILITY_KEY (base64 of 32 random bytes).
 */
const kind = process.argv[2] ?? "encryption";
if (kind !== "encryption" && kind !== "capability") {
  process.stderr.write("usage: bun apps/server/src/keygen.ts [encryption|capability]\n");
  process.exit(2);
}
process.stdout.write(`${kind === "capability" ? generateCapabilityKey() : generateKeySpec()}\n`);
