import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { verifyHeaderDigests } from "./headerDigest.ts";
import { checkPackageSize } from "./packageSize.ts";
import { HeaderBlock, headerBodySize, parseHeaderIntro, type HeaderKind } from "./headerBlock.ts";
import { RpmError } from "./rpmErrors.ts";
import { HEADER_INTRO_SIZE, LEAD_SIZE, RPM_TAGS } from "./rpmFormat.ts";
import type { RpmInfo } from "./rpmInfo.ts";
import { checkLeadMagic, parseLead, type RpmLead } from "./rpmLead.ts";
import { assertSafeName, isSafeName } from "./safeName.ts";

export interface ReadRpmInfoOptions {
  /** Largest file accepted, in bytes; bigger files fail with TOO_LARGE. Default: no limit. */
  maxFileBytes?: number;
  /**
   * Refuse binary packages with NOT_SOURCE. Default: true. With false a binary
   * RPM is read too and comes back with `isSource: false`.
   */
  requireSource?: boolean;
}

/**
 * Reads the lead, the signature header and the main header of an RPM file
 * (never the payload), checks the main header against the header digests in
 * the signature and the file size against the recorded package size, and
 * returns its metadata. Every read is bounded by the
 * file size and by the limits in rpmFormat.ts, so a hostile file costs at most
 * about 2 × 66 MiB of memory and time linear in what is read.
 *
 * Throws RpmError: NOT_RPM, TRUNCATED, BAD_HEADER, NOT_SOURCE, UNSAFE_NAME,
 * TOO_LARGE, READ_FAILED. The file descriptor is closed on every path.
 */
export async function readRpmInfo(path: string, options: ReadRpmInfoOptions = {}): Promise<RpmInfo> {
  const handle = await openForReading(path);
  try {
    return await readFromHandle(handle, options);
  } finally {
    // A read-only descriptor has nothing to flush; a failing close must not hide the verdict.
    await handle.close().catch(() => undefined);
  }
}

async function openForReading(path: string): Promise<FileHandle> {
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (regular files are unaffected).
    return await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (cause) {
    throw new RpmError("READ_FAILED", "the server could not open the uploaded file", { cause });
  }
}

async function readFromHandle(handle: FileHandle, options: ReadRpmInfoOptions): Promise<RpmInfo> {
  const stat = await handle.stat().catch((cause: unknown) => {
    throw new RpmError("READ_FAILED", "the server could not inspect the uploaded file", { cause });
  });
  if (!stat.isFile()) throw new RpmError("NOT_RPM", "this is not a regular file, so it cannot be an RPM package");
  const limit = options.maxFileBytes ?? Number.POSITIVE_INFINITY;
  if (stat.size > limit) {
    throw new RpmError("TOO_LARGE", `the file is ${stat.size} bytes, more than the limit of ${limit} bytes`);
  }
  const file = new BoundedFile(handle, stat.size);

  const head = await file.read(0, Math.min(LEAD_SIZE, stat.size), "the RPM lead");
  checkLeadMagic(head);
  const lead = parseLead(head);
  const signature = await readHeader(file, LEAD_SIZE, "signature");
  const main = await readHeader(file, signature.paddedEnd, "main");
  verifyHeaderDigests(signature.block, main.bytes);
  checkPackageSize(signature.block, signature.paddedEnd, stat.size);
  return infoFromHeader(lead, main.block, options.requireSource ?? true);
}

/**
 * Reads one header at `position`. `bytes` are its raw bytes (for digests);
 * `paddedEnd` is where the next one starts (8-byte aligned after a signature).
 */
async function readHeader(
  file: BoundedFile,
  position: number,
  kind: HeaderKind,
): Promise<{ block: HeaderBlock; bytes: Buffer[]; paddedEnd: number }> {
  const what = `the ${kind} header`;
  const introBytes = await file.read(position, HEADER_INTRO_SIZE, what);
  const intro = parseHeaderIntro(introBytes, kind);
  const bodySize = headerBodySize(intro);
  const body = await file.read(position + HEADER_INTRO_SIZE, bodySize, what);
  const block = HeaderBlock.parse(kind, intro, body);
  const end = position + HEADER_INTRO_SIZE + bodySize;
  // Only the signature's data is padded to a multiple of 8; padding it after the main header is harmless.
  return { block, bytes: [introBytes, body], paddedEnd: end + ((8 - (intro.dataSize % 8)) % 8) };
}

function infoFromHeader(lead: RpmLead, header: HeaderBlock, requireSource: boolean): RpmInfo {
  const required = (tag: number, label: string): string => {
    const value = header.string(tag);
    if (value === undefined) throw new RpmError("BAD_HEADER", `the package header has no ${label}; the file is corrupt`);
    return value;
  };
  const name = required(RPM_TAGS.NAME, "Name");
  const version = required(RPM_TAGS.VERSION, "Version");
  const release = required(RPM_TAGS.RELEASE, "Release");
  const arch = header.string(RPM_TAGS.ARCH) ?? "";

  const headerSaysSource = !header.has(RPM_TAGS.SOURCERPM) || header.has(RPM_TAGS.SOURCEPACKAGE);
  const isSource = lead.type === 1 && headerSaysSource;
  if (requireSource && !isSource) {
    const shownArch = isSafeName("arch", arch) ? arch : "unknown arch";
    const hint = "upload the source RPM (.src.rpm) built with rpmbuild -bs";
    throw new RpmError(
      "NOT_SOURCE",
      lead.type === 0
        ? `this is a binary RPM (${shownArch}); ${hint}`
        : `this file is marked as a source RPM but its header is that of a binary package (${shownArch}); ${hint}`,
    );
  }

  assertSafeName("name", name);
  assertSafeName("version", version);
  assertSafeName("release", release);
  if (arch !== "") assertSafeName("arch", arch);

  return {
    name,
    epoch: header.int32(RPM_TAGS.EPOCH)?.[0] ?? null,
    version,
    release,
    arch,
    summary: header.string(RPM_TAGS.SUMMARY) ?? "",
    isSource,
    sourceRpm: isSource ? null : header.string(RPM_TAGS.SOURCERPM) ?? null,
    excludeArch: header.stringArray(RPM_TAGS.EXCLUDEARCH) ?? [],
    exclusiveArch: header.stringArray(RPM_TAGS.EXCLUSIVEARCH) ?? [],
    buildArchs: header.stringArray(RPM_TAGS.BUILDARCHS) ?? [],
  };
}

/** Positional reads that never go past the size the file had when opened. */
class BoundedFile {
  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  /** Exactly `length` bytes at `position`, or TRUNCATED naming `what` the file ends inside. */
  async read(position: number, length: number, what: string): Promise<Buffer> {
    if (position + length > this.size) {
      throw new RpmError(
        "TRUNCATED",
        `the file ends after ${this.size} bytes, inside ${what}; the upload may have been cut off`,
      );
    }
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(buffer, done, length - done, position + done));
      } catch (cause) {
        throw new RpmError("READ_FAILED", "the server could not read the uploaded file", { cause });
      }
      // The file shrank while we read it.
      if (bytesRead === 0) throw new RpmError("TRUNCATED", `the file ends inside ${what}; the upload may have been cut off`);
      done += bytesRead;
    }
    return buffer;
  }
}
