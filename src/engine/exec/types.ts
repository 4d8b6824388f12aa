// Exec instances as Docker's API describes them (ExecConfig in, ExecInspectResponse out).
import type { Readable, Writable } from 'node:stream';

/** POST /containers/{id}/exec body. */
export interface ExecCreateBody {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | string | null;
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
  /** [height, width] (API 1.42+). */
  ConsoleSize?: [number, number] | null;
}

/** POST /exec/{id}/start body. */
export interface ExecStartBody {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

/** What was asked at create, normalized. */
export interface ExecSettings {
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  detachKeys: string;
  tty: boolean;
  env: string[];
  cmd: string[];
  privileged: boolean;
  user: string;
  workingDir: string;
  consoleSize: [number, number] | null;
}

/** A started exec's process streams. With a TTY, output comes on stdout only. */
export interface ExecRun {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** Resolves with the exit code once the process is gone and the exit is recorded. */
  exited: Promise<number>;
}

/** An exec that could not be launched (command not found, bad user...): its recorded exit code. */
export class ExecLaunchError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = 'ExecLaunchError';
  }
}
