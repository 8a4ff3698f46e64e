import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { HttpError } from "./respond.ts";

/** Paths that belong to the API and file routes, never to the web UI. */
const NOT_UI = [/^\/trpc(\/|$)/, /^\/api(\/|$)/, /^\/results(\/|$)/, /^\/repos(\/|$)/, /^\/healthz$/];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Whether a GET for `path` is the web UI's to answer. */
export function isUiPath(path: string): boolean {
  return !NOT_UI.some((re) => re.test(path));
}

/**
 * Serves the built web UI: a file under `uiDir` when the path names one,
 * otherwise `index.html`, so client-side routes (`/builds/7`) load the app.
 * Hashed files under /assets/ are cached for good; index.html never.
 */
export async function serveUi(res: ServerResponse, uiDir: string, path: string, headOnly: boolean): Promise<void> {
  const root = resolve(uiDir);
  let file = await staticFile(root, path);
  if (file === null) {
    // A missing asset is a 404, not the app: a stale hashed name should fail loudly.
    if (path.startsWith("/assets/") || extname(path) !== "") throw new HttpError(404, "NOT_FOUND", `nothing at ${path}`);
    file = await staticFile(root, "/index.html");
    if (file === null) throw new HttpError(404, "UI_NOT_BUILT", `the web UI is not built in ${root}; run \`npm run build:ui\``);
  }
  const type = TYPES[extname(file.path)] ?? "application/octet-stream";
  const cache = path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
  res.writeHead(200, { "content-type": type, "content-length": file.size, "cache-control": cache, "x-content-type-options": "nosniff" });
  if (headOnly) {
    res.end();
    return;
  }
  await new Promise<void>((ok, fail) => createReadStream(file.path).on("error", fail).on("end", ok).pipe(res));
}

/** A regular file under `root` named by the URL path, or null; never escapes `root`, never a dot file. */
async function staticFile(root: string, urlPath: string): Promise<{ path: string; size: number } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded === "/" || decoded.split("/").some((p) => p === ".." || p.startsWith("."))) return null;
  const path = normalize(join(root, decoded));
  if (!path.startsWith(root + sep)) return null;
  const st = await stat(path).catch(() => null);
  return st?.isFile() === true ? { path, size: st.size } : null;
}
