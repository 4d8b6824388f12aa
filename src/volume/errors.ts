// Volume errors with the HTTP status and message Docker uses (the API maps `statusCode`).

export class VolumeError extends Error {
  constructor(message: string, readonly statusCode: number) {
    super(message);
    this.name = new.target.name;
  }
}

/** 404: `get <name>: no such volume`. */
export class VolumeNotFoundError extends VolumeError {
  constructor(name: string, op = 'get') { super(`${op} ${name}: no such volume`, 404); }
}

/** 409: the volume is referenced by containers. */
export class VolumeInUseError extends VolumeError {
  constructor(name: string, readonly users: string[]) { super(`remove ${name}: volume is in use - [${users.join(', ')}]`, 409); }
}

/** 409: a volume of that name exists with another driver. */
export class VolumeConflictError extends VolumeError {
  constructor(message: string) { super(message, 409); }
}

/** 400: bad name, option, mount specification... */
export class InvalidVolumeError extends VolumeError {
  constructor(message: string) { super(message, 400); }
}

/** 500: mounting or unmounting failed on the host. */
export class VolumeSystemError extends VolumeError {
  constructor(message: string) { super(message, 500); }
}
