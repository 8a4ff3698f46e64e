import { RpmError } from "./rpmErrors.ts";
import {
  HEADER_INTRO_SIZE, HEADER_MAGIC, INDEX_ENTRY_SIZE, MAX_DATA_SIZE, MAX_DECODED_VALUES, MAX_INDEX_COUNT, RPM_TYPES, TYPE_SIZE, type RpmType,
} from "./rpmFormat.ts";

/** Which header of the file a block is, for messages. */
export type HeaderKind = "signature" | "main";

/** The 16-byte intro of a header: how many index entries and how many data bytes follow. */
export interface HeaderIntro {
  indexCount: number;
  dataSize: number;
}

/** Bytes of the index plus the data store that follow an intro. */
export function headerBodySize(intro: HeaderIntro): number {
  return intro.indexCount * INDEX_ENTRY_SIZE + intro.dataSize;
}

/** Parses and bounds-checks a header intro (exactly HEADER_INTRO_SIZE bytes). */
export function parseHeaderIntro(intro: Buffer, kind: HeaderKind): HeaderIntro {
  if (intro.length !== HEADER_INTRO_SIZE || !intro.subarray(0, 4).equals(HEADER_MAGIC)) {
    throw new RpmError("BAD_HEADER", `the ${kind} header does not start with the RPM header magic; the file is corrupt`);
  }
  const indexCount = intro.readUInt32BE(8);
  const dataSize = intro.readUInt32BE(12);
  if (indexCount > MAX_INDEX_COUNT || dataSize > MAX_DATA_SIZE) {
    throw new RpmError(
      "BAD_HEADER",
      `the ${kind} header claims ${indexCount} entries and ${dataSize} bytes of data, more than any real package has; the file is corrupt`,
    );
  }
  return { indexCount, dataSize };
}

interface IndexEntry {
  type: RpmType;
  offset: number;
  count: number;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * One header's index and data store, validated like rpm's headerVerifyInfo:
 * every entry has a known type, a count of at least one, an aligned offset and
 * an extent inside the store; no tag appears twice. Values are decoded on
 * demand, and every string is bounded by the store.
 */
export class HeaderBlock {
  private constructor(
    private readonly kind: HeaderKind,
    private readonly entries: ReadonlyMap<number, IndexEntry>,
    private readonly store: Buffer,
  ) {}

  /** `body` is the index followed by the data store, as sized by `intro`. */
  static parse(kind: HeaderKind, intro: HeaderIntro, body: Buffer): HeaderBlock {
    if (body.length !== headerBodySize(intro)) {
      throw new RpmError("BAD_HEADER", `the ${kind} header is ${body.length} bytes, expected ${headerBodySize(intro)}`);
    }
    const indexSize = intro.indexCount * INDEX_ENTRY_SIZE;
    const store = body.subarray(indexSize);
    const entries = new Map<number, IndexEntry>();
    for (let at = 0; at < indexSize; at += INDEX_ENTRY_SIZE) {
      const tag = body.readUInt32BE(at);
      const type = body.readUInt32BE(at + 4);
      const offset = body.readUInt32BE(at + 8);
      const count = body.readUInt32BE(at + 12);
      const bad = (why: string): RpmError =>
        new RpmError("BAD_HEADER", `the ${kind} header is corrupt: tag ${tag} ${why}`);
      if (!isRpmType(type)) throw bad(`has unknown type ${type}`);
      if (count === 0 && type !== RPM_TYPES.NULL) throw bad("has no values");
      const size = TYPE_SIZE[type];
      if (size > 1 && offset % size !== 0) throw bad(`is misaligned (offset ${offset})`);
      // Strings take at least one byte each (their NUL); checked exactly when decoded.
      if (offset + size * count > store.length) {
        throw bad(`points outside the header data (offset ${offset}, ${count} values, ${store.length} bytes of data)`);
      }
      if (type === RPM_TYPES.STRING && count !== 1) throw bad(`is a string with ${count} values`);
      if (entries.has(tag)) throw bad("appears twice");
      entries.set(tag, { type, offset, count });
    }
    return new HeaderBlock(kind, entries, store);
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** A STRING (or the first, untranslated value of an I18NSTRING / STRING_ARRAY). */
  string(tag: number): string | undefined {
    const entry = this.entries.get(tag);
    if (entry === undefined) return undefined;
    this.expectType(tag, entry, [RPM_TYPES.STRING, RPM_TYPES.I18NSTRING, RPM_TYPES.STRING_ARRAY]);
    return this.readStrings(tag, entry.offset, 1)[0];
  }

  stringArray(tag: number): string[] | undefined {
    const entry = this.entries.get(tag);
    if (entry === undefined) return undefined;
    this.expectType(tag, entry, [RPM_TYPES.STRING_ARRAY, RPM_TYPES.STRING]);
    this.expectAtMost(tag, entry);
    return this.readStrings(tag, entry.offset, entry.count);
  }

  int32(tag: number): number[] | undefined {
    const entry = this.entries.get(tag);
    if (entry === undefined) return undefined;
    this.expectType(tag, entry, [RPM_TYPES.INT32]);
    this.expectAtMost(tag, entry);
    const values: number[] = [];
    for (let i = 0; i < entry.count; i++) values.push(this.store.readUInt32BE(entry.offset + 4 * i));
    return values;
  }

  /** INT64 values as numbers; values above 2^53 (not a real size) are refused. */
  int64(tag: number): number[] | undefined {
    const entry = this.entries.get(tag);
    if (entry === undefined) return undefined;
    this.expectType(tag, entry, [RPM_TYPES.INT64]);
    this.expectAtMost(tag, entry);
    const values: number[] = [];
    for (let i = 0; i < entry.count; i++) {
      const value = this.store.readBigUInt64BE(entry.offset + 8 * i);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new RpmError("BAD_HEADER", `the ${this.kind} header is corrupt: tag ${tag} holds ${value}`);
      }
      values.push(Number(value));
    }
    return values;
  }

  private expectType(tag: number, entry: IndexEntry, allowed: readonly RpmType[]): void {
    if (!allowed.includes(entry.type)) {
      throw new RpmError("BAD_HEADER", `the ${this.kind} header is corrupt: tag ${tag} has type ${entry.type}`);
    }
  }

  /** The lists we decode (arch lists) are short; a huge count would only cost memory. */
  private expectAtMost(tag: number, entry: IndexEntry): void {
    if (entry.count > MAX_DECODED_VALUES) {
      throw new RpmError("BAD_HEADER", `the ${this.kind} header is corrupt: tag ${tag} has ${entry.count} values`);
    }
  }

  private readStrings(tag: number, offset: number, count: number): string[] {
    const values: string[] = [];
    let at = offset;
    for (let i = 0; i < count; i++) {
      const end = this.store.indexOf(0, at);
      if (end < 0) {
        throw new RpmError("BAD_HEADER", `the ${this.kind} header is corrupt: a string of tag ${tag} runs past the header data`);
      }
      values.push(decoder.decode(this.store.subarray(at, end)));
      at = end + 1;
    }
    return values;
  }
}

function isRpmType(type: number): type is RpmType {
  return Number.isInteger(type) && type >= RPM_TYPES.NULL && type <= RPM_TYPES.I18NSTRING;
}
