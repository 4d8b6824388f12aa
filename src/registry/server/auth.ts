// Registry server authentication: htpasswd (bcrypt) Basic auth, and optionally a token service of
// its own (Docker's Bearer flow: 401 + WWW-Authenticate realm/service/scope -> GET /token with
// Basic credentials -> a signed, short-lived token naming the granted repository actions).
import * as fs from 'node:fs';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

export interface Access { type: string; name: string; actions: string[] }

/** Users and bcrypt hashes from an htpasswd file (only bcrypt entries are accepted, like distribution). */
export class Htpasswd {
  private readonly users = new Map<string, string>();
  /** Verified user:password hashes -> result, so Basic auth on every request costs one bcrypt. */
  private readonly verified = new Map<string, boolean>();

  constructor(readonly file: string) {
    const text = fs.readFileSync(file, 'utf8');
    for (const [i, raw] of text.split('\n').entries()) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const colon = line.indexOf(':');
      const hash = line.slice(colon + 1);
      if (colon <= 0 || !/^\$2[abxy]\$\d\d\$/.test(hash)) throw new Error(`htpasswd ${file} line ${i + 1}: expected user:<bcrypt hash>`);
      this.users.set(line.slice(0, colon), hash.replace(/^\$2y\$/, '$2b$'));
    }
  }

  check(user: string, password: string): boolean {
    const key = createHash('sha256').update(`${user}\0${password}`).digest('hex');
    const known = this.verified.get(key);
    if (known !== undefined) return known;
    const hash = this.users.get(user);
    const ok = hash !== undefined && bcrypt.compareSync(password, hash);
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(key, ok);
    return ok;
  }
}

/** Decodes an `Authorization: Basic` header; null when absent or malformed. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Parses `repository:name:pull,push` scope strings (space separated, repeatable). */
export function parseScopes(scopes: string[]): Access[] {
  const out: Access[] = [];
  for (const s of scopes.flatMap((x) => x.split(' ')).filter(Boolean)) {
    const first = s.indexOf(':');
    const last = s.lastIndexOf(':');
    if (first < 0 || last === first) continue;
    out.push({ type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',').filter(Boolean) });
  }
  return out;
}

/** HMAC-signed tokens: base64url(claims).base64url(mac). */
export class TokenIssuer {
  private readonly key = randomBytes(32);
  constructor(readonly service: string, readonly ttlSeconds = 300) {}

  issue(subject: string, access: Access[]): string {
    const claims = { sub: subject, access, exp: Math.floor(Date.now() / 1000) + this.ttlSeconds };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The token's grants, or null when forged or expired. */
  verify(token: string): Access[] | null {
    const [body, mac] = token.split('.');
    if (!body || !mac) return null;
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { access: Access[]; exp: number };
    return claims.exp * 1000 > Date.now() ? claims.access : null;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** True when `grants` allow `action` on repository `name`. */
export function allows(grants: Access[], name: string, action: string): boolean {
  return grants.some((g) => (g.type === 'repository' && g.name === name && (g.actions.includes(action) || g.actions.includes('*')))
    || (g.type === 'registry' && g.name === 'catalog' && action === 'catalog'));
}
