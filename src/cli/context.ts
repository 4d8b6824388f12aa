// What every command gets: the API client and the output streams (tests and the bundle swap them).
import type { ApiClient } from './client.js';
import type { CliOutput } from './output.js';

export interface CliContext {
  api: ApiClient;
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: NodeJS.ReadStream;
}

/** Thrown by commands to end with a given exit code after printing `message` to stderr. */
export class CliExit extends Error {
  constructor(readonly code: number, message = '') {
    super(message);
  }
}
