export function generateKeyPairPem(): Promise<{ publicKeyPem: string; privateKeyPem: string }>;
export function mintSessionToken(
  privateKeyPem: string,
  options?: {
    now?: number;
    kid?: string;
    header?: Record<string, unknown>;
    sub?: string;
    sid?: string;
    iss?: string;
    azp?: string;
    ttlSeconds?: number;
    role?: string | null;
    claims?: Record<string, unknown>;
  },
): Promise<string>;
export function localSession(role?: string, port?: string | number): { sub: string; email: string; origin: string };
export function sessionRole(value?: string): string;
export function sessionTtlSeconds(value?: string): number;
export function sessionSubject(value?: string): string | undefined;
export function unsignedToken(claims: Record<string, unknown>): string;
