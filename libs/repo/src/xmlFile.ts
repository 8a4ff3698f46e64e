import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { SaxesParser, type SaxesTagNS } from "saxes";
import { RepoError } from "./repoErrors.ts";

/** Receives the parse events of one XML document (namespace-aware). */
export interface XmlVisitor {
  openTag(tag: SaxesTagNS): void;
  closeTag(tag: SaxesTagNS): void;
  /** Character data, entities decoded; CDATA sections arrive here too. */
  text(text: string): void;
  /** Set to true to stop reading the file early (e.g. once a header attribute is known). */
  readonly done: boolean;
}

/**
 * Streams `file` through a strict, namespace-aware XML parser. Files whose
 * name ends in `.gz` are gunzipped on the fly; other names ending in `.xml`
 * are read as they are; anything else (`.zst`, `.xz`, `.bz2`) is refused.
 *
 * Errors: METADATA_NOT_FOUND when the file does not exist, METADATA_INVALID
 * for unsupported compression, corrupt or truncated gzip, or malformed XML.
 */
export async function parseXmlFile(file: string, visitor: XmlVisitor): Promise<void> {
  const compression = compressionOf(file);
  const raw = createReadStream(file);
  let source: Readable = raw;
  if (compression === "gzip") {
    const gunzip = createGunzip();
    raw.once("error", (err) => gunzip.destroy(err));
    source = raw.pipe(gunzip);
  }
  source.setEncoding("utf8");
  const parser = new SaxesParser({ xmlns: true, fileName: file });
  // Throwing from a handler is the only way to stop saxes inside a chunk.
  const stopIfDone = (): void => {
    if (visitor.done) throw new StopParsing("done");
  };
  parser.on("opentag", (tag) => {
    visitor.openTag(tag);
    stopIfDone();
  });
  parser.on("closetag", (tag) => {
    visitor.closeTag(tag);
    stopIfDone();
  });
  parser.on("text", (text) => visitor.text(text));
  parser.on("cdata", (text) => visitor.text(text));
  try {
    for await (const chunk of source) parser.write(chunk as string);
    parser.close();
  } catch (err) {
    if (err instanceof StopParsing) return;
    throw toRepoError(err, file);
  } finally {
    raw.destroy();
    source.destroy();
  }
}

/** Thrown from a parser handler to stop early; never leaves parseXmlFile. */
class StopParsing extends Error {}

function compressionOf(file: string): "gzip" | "none" {
  if (file.endsWith(".gz")) return "gzip";
  if (file.endsWith(".xml")) return "none";
  throw new RepoError("METADATA_INVALID", `unsupported metadata compression for ${file}: only .xml.gz and .xml are read`);
}

function toRepoError(err: unknown, file: string): RepoError {
  if (err instanceof RepoError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new RepoError("METADATA_NOT_FOUND", `metadata file ${file} does not exist`, { cause: err });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new RepoError("METADATA_INVALID", `cannot read metadata file ${file}: ${reason}`, { cause: err });
}
