import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { CliError } from "./cliErrors.ts";
import { httpFailure, type ErrorContext } from "./explainError.ts";

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeHtml(s: string): string {
  return s.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
    if (e.startsWith("#x") || e.startsWith("#X")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/**
 * The files (not subdirectories) an HTML directory listing links to, as
 * absolute URLs directly inside `listingUrl`, with their decoded names.
 */
export function filesInListing(html: string, listingUrl: string): { name: string; url: string }[] {
  const base = new URL(listingUrl);
  const seen = new Map<string, string>();
  for (const m of html.matchAll(/href\s*=\s*"([^"]*)"/gi)) {
    const url = new URL(unescapeHtml(m[1] ?? ""), base);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) continue;
    const rest = url.pathname.slice(base.pathname.length);
    if (rest === "" || rest.includes("/")) continue;
    const name = decodeURIComponent(rest);
    if (name === "." || name === ".." || name.includes("/") || name.startsWith(".")) continue;
    url.search = "";
    url.hash = "";
    seen.set(name, url.href);
  }
  return [...seen].map(([name, url]) => ({ name, url }));
}

/** The file names in a results directory listing; null when the directory does not exist (yet). */
export async function listResultFiles(ctx: ErrorContext, listingUrl: string): Promise<{ name: string; url: string }[] | null> {
  const res = await fetch(listingUrl);
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw await httpFailure(ctx, res);
  return filesInListing(await res.text(), listingUrl);
}

/** Downloads `url` to `dir/name` via a temporary file; returns the size in bytes. */
export async function downloadFile(ctx: ErrorContext, url: string, dir: string, name: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const res = await fetch(url);
  if (!res.ok || res.body === null) throw await httpFailure(ctx, res);
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.part`);
  let size = 0;
  try {
    const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    body.on("data", (chunk: Buffer) => (size += chunk.length));
    await pipeline(body, createWriteStream(tmp));
    const expected = res.headers.get("content-length");
    if (expected !== null && Number(expected) !== size) throw new CliError("FAILED", `${url}: got ${size} bytes of ${expected}`);
    await rename(tmp, path);
    return size;
  } finally {
    await rm(tmp, { force: true });
  }
}
