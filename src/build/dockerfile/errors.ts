// Errors of a build. DockerfileError names the file and line ("Dockerfile:3: unknown
// instruction: FOO"); BuildError carries the exit code of a failed RUN for the client.
import { InvalidParameterError } from '../../engine/errors.js';

export class DockerfileError extends InvalidParameterError {
  constructor(readonly file: string, readonly line: number, readonly detail: string) {
    super(`${file}:${line}: ${detail}`);
  }
}

/** A step failed; `code` is the failing command's exit code (Docker's errorDetail.code). */
export class BuildError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
    this.name = 'BuildError';
  }
}
