// Error classes carrying the HTTP status Docker uses for each kind of failure.
// The engine throws them; the API's single error handler turns them into {"message": ...}.

/** Base class: an error whose message is safe to show to API clients. */
export class EngineError extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode: number) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
  }
}

/** 404: the named object does not exist ("No such container: x"). */
export class NotFoundError extends EngineError {
  constructor(message: string) { super(message, 404); }
}

/** 409: the request conflicts with current state (name in use, container running). */
export class ConflictError extends EngineError {
  constructor(message: string) { super(message, 409); }
}

/** 400: a parameter of the request is invalid. */
export class InvalidParameterError extends EngineError {
  constructor(message: string) { super(message, 400); }
}

/** 304: nothing to do (container already started/stopped). Docker answers with an empty body. */
export class NotModifiedError extends EngineError {
  constructor(message = 'not modified') { super(message, 304); }
}

/** 500 with a message meant for the client (a system failure, not a bad request). */
export class SystemError extends EngineError {
  constructor(message: string) { super(message, 500); }
}
