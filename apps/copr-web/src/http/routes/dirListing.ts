import type { Stats } from "node:fs";

/** One entry as @fastify/static hands it to a listing renderer. */
export interface ListedEntry {
  href: string;
  name: string;
  stats: Stats;
}

/**
 * A directory listing in the shape of Apache's and nginx's autoindex: one
 * link per entry (directories end in "/"), with size and modification time,
 * so `wget -r`, mirrors and people can all read it.
 */
export function renderListing(urlPath: string, dirs: readonly ListedEntry[], files: readonly ListedEntry[]): string {
  const title = escapeHtml(decodeSafely(urlPath));
  const rows = [
    ...(urlPath === "/results/" ? [] : ['<tr><td><a href="../">../</a></td><td></td><td></td></tr>']),
    ...[...dirs].sort(byName).map((d) => row(`${d.href}/`, `${d.name}/`, "-", d.stats.mtime)),
    ...[...files].sort(byName).map((f) => row(f.href, f.name, String(f.stats.size), f.stats.mtime)),
  ];
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Index of ${title}</title></head>
<body><h1>Index of ${title}</h1>
<table><thead><tr><th>Name</th><th>Size (bytes)</th><th>Last modified (UTC)</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></body></html>
`;
}

function row(href: string, name: string, size: string, mtime: Date): string {
  const when = mtime.toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
  return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></td><td>${size}</td><td>${when}</td></tr>`;
}

function byName(a: ListedEntry, b: ListedEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
