import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

/**
 * argon2id with the OWASP Password Storage Cheat Sheet's first recommended profile
 * (m = 19 MiB, t = 2, p = 1). `@node-rs/argon2` defaults to argon2id.
 */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A sentence for the person choosing the password, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > 256) return "Use at most 256 characters.";
  if (/^(.)\1+$/.test(password)) return "Do not repeat a single character.";
  return null;
}

/**
 * A password for a new user or a reset: 96 random bits as 16 URL-safe characters (easy to read
 * out and type), shown once to the admin and never stored in clear.
 */
export function generatePassword(): string {
  return randomBytes(12).toString("base64url");
}
