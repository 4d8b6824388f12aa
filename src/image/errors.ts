// Image errors, shaped after Docker's messages so API/CLI layers can pass them through.

/** 404: `No such image: <ref>`. */
export class ImageNotFoundError extends Error {
  readonly statusCode = 404;
  constructor(readonly ref: string) {
    super(`No such image: ${ref}`);
    this.name = 'ImageNotFoundError';
  }
}

/** A short ID prefix matching several images. */
export class AmbiguousImageError extends Error {
  readonly statusCode = 400;
  constructor(readonly prefix: string, readonly matches: string[]) {
    super(`image ID prefix "${prefix}" is ambiguous: it matches ${matches.length} images (${matches.map((m) => m.slice(7, 19)).join(', ')})`);
    this.name = 'AmbiguousImageError';
  }
}

/** 409: delete refused (image in use, referenced in several repositories, ...). */
export class ImageConflictError extends Error {
  readonly statusCode = 409;
  constructor(message: string) {
    super(`conflict: ${message}`);
    this.name = 'ImageConflictError';
  }
}

/** A bad archive / input (400). */
export class InvalidArchiveError extends Error {
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArchiveError';
  }
}
