// Errors of registry operations, carrying the HTTP status the Engine API should answer with.

/** A registry answered with an error (or could not be reached); `statusCode` maps onto the API. */
export class RegistryError extends Error {
  constructor(message: string, readonly statusCode = 500, readonly code = 'UNKNOWN') {
    super(message);
    this.name = 'RegistryError';
  }
}

/** Content did not hash to the digest it was fetched by. */
export class RegistryDigestError extends RegistryError {
  constructor(what: string, expected: string, actual: string) {
    super(`${what}: digest mismatch: expected ${expected}, got ${actual}`, 500, 'DIGEST_INVALID');
    this.name = 'RegistryDigestError';
  }
}

/** Parses a distribution error body ({"errors":[{code,message}]}) into "code: message" text. */
export function describeErrorBody(body: string): { code: string; text: string } | null {
  try {
    const j = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string; detail?: unknown }>; details?: string };
    const e = j.errors?.[0];
    if (e) return { code: e.code ?? 'UNKNOWN', text: `${(e.code ?? 'unknown').toLowerCase()}: ${e.message ?? ''}`.trim() };
    if (j.details) return { code: 'UNKNOWN', text: j.details };
  } catch { /* not JSON */ }
  return null;
}
