/**
 * What the console shows about the signed-in person, read from their bearer token's claims (docs/security.md,
 * "Tokens (JWT)"). The console never verifies the signature: the gateway does on every request; these claims only
 * label the page. An API key (`lfk_...`) is opaque, so it has no claims to show.
 */
export interface SignedInIdentity {
  readonly kind: 'jwt' | 'api_key';
  /** The token's `sub`; for an API key, its public id (`lfk_<id>`). */
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly teams: readonly string[];
  /** `exp` as epoch milliseconds, when the token has one. */
  readonly expiresAt?: number;
  readonly issuer?: string;
  /** A service, not a person (same rule as the gateway: `gty: client-credentials`, `sub` `...@clients` or `svc:...`). */
  readonly service: boolean;
}

/** A pasted credential that is neither a JWT (three base64url parts, a JSON payload with `sub`) nor an API key. */
export class TokenFormatError extends Error {
  override readonly name = 'TokenFormatError';
}

const API_KEY = /^lfk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

/**
 * The identity carried by `credential` (a JWT or a Ledgerflow API key); a leading `Bearer ` is ignored.
 * Scopes come from `scope` (space-separated, RFC 8693), else `scp`, else `permissions`, as the gateway reads them.
 * @throws TokenFormatError when the credential is neither; its message says what is wrong.
 * @example decodeIdentity(jwt).roles // ['claims-lead']
 */
export function decodeIdentity(credential: string): SignedInIdentity {
  const token = credential.trim().replace(/^Bearer\s+/i, '');
  const key = API_KEY.exec(token);
  if (key) return { kind: 'api_key', subject: `lfk_${key[1]}`, scopes: [], roles: [], teams: [], service: true };
  const parts = token.split('.');
  if (parts.length !== 3)
    throw new TokenFormatError(
      'This is not a bearer token: a JWT has three dot-separated parts, an API key starts with lfk_.',
    );
  const claims = parsePayload(parts[1]);
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '')
    throw new TokenFormatError('The token has no subject (sub claim): the gateway would refuse it.');
  return {
    kind: 'jwt',
    subject,
    scopes: scopesOf(claims),
    roles: stringList(claims.roles),
    teams: stringList(claims.teams),
    ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp * 1000 } : {}),
    ...(typeof claims.iss === 'string' ? { issuer: claims.iss } : {}),
    service: claims.gty === 'client-credentials' || subject.endsWith('@clients') || subject.startsWith('svc:'),
  };
}

/** True when the identity's token has expired at `now` (epoch ms); a token without `exp` never does here. */
export function isExpired(identity: SignedInIdentity, now: number): boolean {
  return identity.expiresAt !== undefined && identity.expiresAt <= now;
}

function parsePayload(segment: string): Record<string, unknown> {
  try {
    const base64 = segment
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(segment.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (payload && typeof payload === 'object' && !Array.isArray(payload)) return payload as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new TokenFormatError('The token payload is not base64url-encoded JSON.');
}

function scopesOf(claims: Record<string, unknown>): string[] {
  for (const name of ['scope', 'scp', 'permissions']) {
    const value = claims[name];
    if (typeof value === 'string') return value.split(' ').filter(Boolean);
    if (Array.isArray(value)) return stringList(value);
  }
  return [];
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
