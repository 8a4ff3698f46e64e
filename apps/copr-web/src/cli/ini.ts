/**
 * Parses the INI dialect Copr's config uses (Python configparser's basics):
 * `[section]` headers, `key = value` or `key: value`, `#`/`;` comment lines.
 * Keys are lower-cased; later keys win. Lines it cannot read are reported.
 */
export function parseIni(text: string): { sections: Map<string, Map<string, string>>; errors: string[] } {
  const sections = new Map<string, Map<string, string>>();
  const errors: string[] = [];
  let current: Map<string, string> | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header !== null) {
      const name = (header[1] ?? "").trim();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (kv === null || current === undefined) {
      errors.push(`line ${i + 1}: ${current === undefined ? "key outside a [section]" : "expected key = value"}`);
      return;
    }
    current.set((kv[1] ?? "").toLowerCase(), kv[2] ?? "");
  });
  return { sections, errors };
}
