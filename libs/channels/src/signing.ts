/** After a rotation, the previous signing secret still signs (and, inbound, still verifies) for this long. */
export const SIGNING_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface StoredSigningSecrets {
  signingSecretEncrypted: string | null;
  previousSigningSecretEncrypted: string | null;
  signingSecretRotatedAt: Date | string | null;
}

/**
 * The secrets a request is signed with (outbound) or may be signed with (inbound): the current one, and the previous
 * one within 24 hours of a rotation. `open` decrypts (and throws when SECRETS_KEY changed).
 */
export function signingSecretsOf(
  stored: StoredSigningSecrets,
  open: (sealed: string) => string,
  now = Date.now(),
): string[] {
  const secrets: string[] = [];
  if (stored.signingSecretEncrypted !== null) secrets.push(open(stored.signingSecretEncrypted));
  const rotatedAt = stored.signingSecretRotatedAt === null ? null : new Date(stored.signingSecretRotatedAt).getTime();
  if (stored.previousSigningSecretEncrypted !== null && rotatedAt !== null && now - rotatedAt < SIGNING_OVERLAP_MS)
    secrets.push(open(stored.previousSigningSecretEncrypted));
  return secrets;
}
