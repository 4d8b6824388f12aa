// Errors of `docker cp` operations, worded as Docker's daemon words them (the API maps them to
// 404 / 400 by class).

/** The path does not exist in the container (HTTP 404). */
export class ContainerPathNotFoundError extends Error {
  constructor(readonly containerPath: string, readonly container: string) {
    super(`Could not find the file ${containerPath} in container ${container}`);
    this.name = 'ContainerPathNotFoundError';
  }
}

/** A path component that must be a directory is not one (e.g. `/etc/passwd/`). */
export class ContainerPathNotDirectoryError extends Error {
  constructor(readonly containerPath: string) {
    super(`${containerPath}: not a directory`);
    this.name = 'ContainerPathNotDirectoryError';
  }
}

/** PUT archive onto a path that is not a directory (HTTP 400). */
export class ExtractPointNotDirectoryError extends Error {
  constructor(readonly containerPath: string) {
    super(`extraction point is not a directory: ${containerPath}`);
    this.name = 'ExtractPointNotDirectoryError';
  }
}

/** Too many symlinks while resolving a path (a loop). */
export class SymlinkLoopError extends Error {
  constructor(readonly containerPath: string) {
    super(`${containerPath}: too many levels of symbolic links`);
    this.name = 'SymlinkLoopError';
  }
}

/** A tar entry of an uploaded archive that cannot be extracted (escape attempt, overwrite conflict). */
export class ArchiveEntryError extends Error {
  constructor(readonly entry: string, detail: string) {
    super(`archive entry ${JSON.stringify(entry)}: ${detail}`);
    this.name = 'ArchiveEntryError';
  }
}
