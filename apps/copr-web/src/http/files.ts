import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join, normalize, sep } from "node:path";
import { HttpError, decodePathPart } from "./respond.ts";

const TYPES: Record<string, string> = {
  ".rpm": "application/x-rpm",
  ".xml": "application/xml",
  ".gz": "application/gzip",
  ".json": "application/json",
  ".log": "text/plain; charset=utf-8",
  ".repo": "text/plain; charset=utf-8",
};

/** Serves a file under `root` (no escaping it); directories get a plain listing. */
export async function serveFile(res: ServerResponse, root: string, relative: string, urlPath: string): Promise<void> {
  const decoded = decodePathPart(relative);
  if (decoded.split("/").some((p) => p === ".." || p.startsWith("."))) throw new HttpError(404, "NOT_FOUND", "no such file");
  const path = normalize(join(root, decoded));
  if (path !== root && !path.startsWith(root + sep)) throw new HttpError(404, "NOT_FOUND", "no such file");
  const st = await stat(path).catch(() => null);
  if (st === null) throw new HttpError(404, "NOT_FOUND", `nothing at ${urlPath}`);
  if (st.isDirectory()) {
    const { readdir } = await import("node:fs/promises");
    const names = (await readdir(path, { withFileTypes: true })).filter((d) => !d.name.startsWith(".")).map((d) => (d.isDirectory() ? `${d.name}/` : d.name)).sort();
    const base = urlPath.endsWith("/") ? urlPath : `${urlPath}/`;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>${escape(urlPath)}</title><h1>${escape(urlPath)}</h1><ul>${names.map((n) => `<li><a href="${escape(base + encodeURIComponent(n.replace(/\/$/, "")) + (n.endsWith("/") ? "/" : ""))}">${escape(n)}</a></li>`).join("")}</ul>`);
    return;
  }
  const ext = Object.keys(TYPES).find((e) => path.endsWith(e));
  res.writeHead(200, { "content-type": ext === undefined ? "application/octet-stream" : (TYPES[ext] ?? "application/octet-stream"), "content-length": st.size });
  await new Promise<void>((ok, fail) => createReadStream(path).on("error", fail).on("end", ok).pipe(res));
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
