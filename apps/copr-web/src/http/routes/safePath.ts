/**
 * A decoded URL path below a served root, as a relative path, or null when it
 * could leave the root or names a dot file (`..`, `.hidden`, NUL, backslash).
 */
export function safeRelativePath(decoded: string): string | null {
  const parts = decoded.split("/").filter((p) => p !== "");
  if (parts.some((p) => p.startsWith(".") || p.includes("\0") || p.includes("\\"))) return null;
  return parts.join("/");
}
