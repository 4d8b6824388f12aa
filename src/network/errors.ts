// Errors of the network layer, carrying the HTTP status Docker answers with. The API's error
// handler reads `statusCode` from any error, so this layer needs nothing from the engine.

export class NetworkError extends Error {
  constructor(message: string, readonly statusCode: number) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: a bad parameter (subnet, port spec, address...). */
export const invalid = (message: string): NetworkError => new NetworkError(message, 400);
/** 404: no such network / endpoint. */
export const notFound = (message: string): NetworkError => new NetworkError(message, 404);
/** 409: in use, already exists, address taken. */
export const conflict = (message: string): NetworkError => new NetworkError(message, 409);
/** 403: operation refused on a predefined network. */
export const forbidden = (message: string): NetworkError => new NetworkError(message, 403);
/** 500: the host refused a network operation. */
export const system = (message: string): NetworkError => new NetworkError(message, 500);
