/** Thrown by HTTP handlers; the server's error handler turns it into one error response. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
  }
}
