import { RpmError } from "./rpmErrors.ts";

/** Longest name, version, release or arch we accept, in characters. */
export const MAX_NAME_LENGTH = 200;

/** Which field of the header a value comes from; names may contain "-", the others may not (rpmbuild forbids it). */
export type NameField = "name" | "version" | "release" | "arch";

const ALLOWED: Readonly<Record<NameField, RegExp>> = {
  name: /^[A-Za-z0-9_+~^][A-Za-z0-9._+~^-]*$/,
  version: /^[A-Za-z0-9_+~^][A-Za-z0-9._+~^]*$/,
  release: /^[A-Za-z0-9_+~^][A-Za-z0-9._+~^]*$/,
  arch: /^[A-Za-z0-9_][A-Za-z0-9._]*$/,
};

const CHARSET: Readonly<Record<NameField, string>> = {
  name: "letters, digits and . _ + ~ ^ -",
  version: "letters, digits and . _ + ~ ^",
  release: "letters, digits and . _ + ~ ^",
  arch: "letters, digits and . _",
};

/**
 * Whether a header value is safe to put in a path, a URL or a NEVRA.
 * Stricter than rpm only where rpm is lax about bytes in hand-made headers.
 */
export function isSafeName(field: NameField, value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && ALLOWED[field].test(value);
}

/** Throws UNSAFE_NAME unless `isSafeName`; returns the value. */
export function assertSafeName(field: NameField, value: string): string {
  if (isSafeName(field, value)) return value;
  const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  let why: string;
  if (value.length === 0) why = "is empty";
  else if (value.length > MAX_NAME_LENGTH) why = `is longer than ${MAX_NAME_LENGTH} characters`;
  else if (value.startsWith(".") || value.startsWith("-")) why = `must not start with "${value[0]}"`;
  else why = `contains ${JSON.stringify(firstBadChar(field, value))}`;
  throw new RpmError("UNSAFE_NAME", `the package ${field} ${shown} ${why}; use only ${CHARSET[field]}`);
}

function firstBadChar(field: NameField, value: string): string {
  for (const ch of value) {
    if (!ALLOWED[field].test(`a${ch}`)) return ch;
  }
  return value[0] ?? "";
}
