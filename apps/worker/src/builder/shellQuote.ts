const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes one word for a POSIX shell: the shell turns the result back into
 * exactly `value`, whatever it contains. Words made only of safe characters
 * stay as they are, so logged commands remain readable.
 */
export function shq(value: string): string {
  if (value.includes("\0")) throw new TypeError("a shell word cannot contain a NUL byte");
  if (SAFE.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
