/** Encrypts small secrets at rest (packages/storage SecretBox satisfies it). */
export type SecretSealer = {
  encrypt(plaintext: string, aad?: string): string;
  decrypt(ciphertext: string, aad?: string): string;
};
