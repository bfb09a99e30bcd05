import { generateKeySpec } from "@terrapod/storage";

/** Prints a new encryption keyring entry for TERRAPOD_ENCRYPTION_KEY (`id=base64 of 32 random bytes`). */
process.stdout.write(`${generateKeySpec()}\n`);
