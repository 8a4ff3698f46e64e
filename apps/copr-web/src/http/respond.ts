import type { ServerResponse } from "node:http";

/** A JSON error a person can read: `{ error: { code, message } }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** Decodes one percent-encoded part of a URL path; malformed encoding is the client's error (400 INVALID_URL). */
export function decodePathPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (cause) {
    throw new HttpError(400, "INVALID_URL", `malformed percent-encoding in the URL: ${JSON.stringify(text.slice(0, 200))}`, { cause });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Thrown by HTTP handlers; the server turns it into one error response. */
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
