import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The cells of one markdown table row. */
export function tableCells(line: string): string[] {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

/**
 * Reads the markdown table whose header is `header` from a doc and returns
 * first column (backticks removed) → second column (lowercased). Throws with
 * the doc's name when the table is missing, a row is malformed or a code is
 * listed twice — so docs and code cannot drift apart silently.
 */
export function readDocTable(doc: URL, header: readonly string[]): { rows: Map<string, string>; separator: string | undefined } {
  const name = fileURLToPath(doc);
  const lines = readFileSync(doc, "utf8").split(/\r?\n/);
  const wanted = header.map((h) => h.toLowerCase()).join("|");
  const start = lines.findIndex((l) => l.trim().startsWith("|") && tableCells(l).join("|").toLowerCase() === wanted);
  if (start < 0) throw new Error(`${name} has no table with header | ${header.join(" | ")} |`);
  const rows = new Map<string, string>();
  for (const line of lines.slice(start + 2)) {
    if (!line.trim().startsWith("|")) break;
    const row = tableCells(line);
    if (row.length !== header.length) throw new Error(`${name}: row has ${row.length} cells, want ${header.length}: ${line}`);
    const code = (row[0] ?? "").replace(/`/g, "");
    if (rows.has(code)) throw new Error(`${name} lists ${code} twice`);
    rows.set(code, (row[1] ?? "").toLowerCase());
  }
  return { rows, separator: lines[start + 1] };
}
