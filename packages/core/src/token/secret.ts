import { createHash, randomBytes } from "node:crypto";
import { randomIdPart } from "@terrapod/kernel";

/** A new API token: `<14 chars>.tpod.<43 chars of base64url randomness>` (256 bits). */
export function generateTokenSecret(): string {
  return `${randomIdPart(14)}.tpod.${randomBytes(32).toString("base64url")}`;
}

/** Tokens are stored only as their SHA-256 (hex). */
export function hashToken(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
