import { HttpError } from "../http/httpError.ts";

/** A query parameter given once; 400 when it is missing or repeated. */
export function one(q: object, name: string): string {
  const v: unknown = (q as Record<string, unknown>)[name];
  if (typeof v === "string" && v !== "") return v;
  throw new HttpError(400, "INVALID_ARGUMENT", Array.isArray(v) ? `give ${name} once` : `${name} is required`);
}

/** A query parameter given at most once, or undefined. */
export function optional(q: object, name: string): string | undefined {
  const v: unknown = (q as Record<string, unknown>)[name];
  return v === undefined || v === "" ? undefined : one(q, name);
}

/** Copr's "True"/"true"/"1" query booleans (python-copr sends str(bool)). */
export function queryBool(v: unknown): boolean {
  return typeof v === "string" && /^(true|1|yes|on)$/i.test(v);
}

/** A build id from a path or query; 400 otherwise. */
export function buildIdParam(text: string | undefined, name = "build id"): number {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text)) throw new HttpError(400, "INVALID_ARGUMENT", `${name} must be a positive whole number, not ${JSON.stringify((text ?? "").slice(0, 40))}`);
  return Number(text);
}
