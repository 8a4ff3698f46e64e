import { describe, expect, it } from "vitest";
import { HeaderBlock, parseHeaderIntro, type HeaderIntro } from "./headerBlock.ts";
import { RpmError } from "./rpmErrors.ts";
import { HEADER_MAGIC, MAX_DATA_SIZE, MAX_DECODED_VALUES, MAX_INDEX_COUNT, RPM_TAGS, RPM_TYPES } from "./rpmFormat.ts";

interface Entry {
  tag: number;
  type: number;
  offset: number;
  count: number;
}

/** Index entries followed by the store, as HeaderBlock.parse takes them. */
function body(entries: Entry[], store: Buffer): { intro: HeaderIntro; body: Buffer } {
  const index = Buffer.alloc(entries.length * 16);
  entries.forEach((e, i) => {
    index.writeUInt32BE(e.tag, i * 16);
    index.writeUInt32BE(e.type, i * 16 + 4);
    index.writeUInt32BE(e.offset, i * 16 + 8);
    index.writeUInt32BE(e.count, i * 16 + 12);
  });
  return { intro: { indexCount: entries.length, dataSize: store.length }, body: Buffer.concat([index, store]) };
}

function intro(indexCount: number, dataSize: number, magic = HEADER_MAGIC): Buffer {
  const b = Buffer.alloc(16);
  magic.copy(b, 0);
  b.writeUInt32BE(indexCount, 8);
  b.writeUInt32BE(dataSize, 12);
  return b;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof RpmError ? err.code : `not an RpmError: ${String(err)}`;
  }
  return undefined;
}

// "hello\0" at 0, padding to 8, epoch 2 at 8, "x86_64\0aarch64\0" at 12.
const store = Buffer.concat([
  Buffer.from("hello\0\0\0"),
  Buffer.from([0, 0, 0, 2]),
  Buffer.from("x86_64\0aarch64\0"),
]);
const good: Entry[] = [
  { tag: RPM_TAGS.NAME, type: RPM_TYPES.STRING, offset: 0, count: 1 },
  { tag: RPM_TAGS.EPOCH, type: RPM_TYPES.INT32, offset: 8, count: 1 },
  { tag: RPM_TAGS.EXCLUSIVEARCH, type: RPM_TYPES.STRING_ARRAY, offset: 12, count: 2 },
];

describe("parseHeaderIntro", () => {
  it("reads index count and data size", () => {
    expect(parseHeaderIntro(intro(3, 27), "main")).toEqual({ indexCount: 3, dataSize: 27 });
  });

  it.each([
    ["wrong magic", intro(1, 1, Buffer.from([0x8e, 0xad, 0xe8, 0x02]))],
    ["too many entries", intro(MAX_INDEX_COUNT + 1, 10)],
    ["too much data", intro(1, MAX_DATA_SIZE + 1)],
    ["0xffffffff entries", intro(0xffffffff, 0xffffffff)],
    ["short intro", Buffer.concat([HEADER_MAGIC, Buffer.alloc(4)])],
  ])("refuses %s with BAD_HEADER", (_what, bytes) => {
    expect(codeOf(() => parseHeaderIntro(bytes, "main"))).toBe("BAD_HEADER");
  });
});

describe("HeaderBlock", () => {
  it("decodes strings, int32 and string arrays", () => {
    const { intro: i, body: b } = body(good, store);
    const block = HeaderBlock.parse("main", i, b);
    expect(block.string(RPM_TAGS.NAME)).toBe("hello");
    expect(block.int32(RPM_TAGS.EPOCH)).toEqual([2]);
    expect(block.stringArray(RPM_TAGS.EXCLUSIVEARCH)).toEqual(["x86_64", "aarch64"]);
    expect(block.has(RPM_TAGS.SOURCERPM)).toBe(false);
    expect(block.string(RPM_TAGS.SOURCERPM)).toBeUndefined();
  });

  it.each<[string, Entry[]]>([
    ["an offset outside the store", [{ tag: RPM_TAGS.NAME, type: RPM_TYPES.STRING, offset: 0x01000000, count: 1 }]],
    ["an int32 array running past the store", [{ tag: RPM_TAGS.EPOCH, type: RPM_TYPES.INT32, offset: 8, count: 0x40000000 }]],
    ["an unknown type", [{ tag: RPM_TAGS.NAME, type: 10, offset: 0, count: 1 }]],
    ["a zero count", [{ tag: RPM_TAGS.NAME, type: RPM_TYPES.STRING, offset: 0, count: 0 }]],
    ["a misaligned int32", [{ tag: RPM_TAGS.EPOCH, type: RPM_TYPES.INT32, offset: 9, count: 1 }]],
    ["a STRING with two values", [{ tag: RPM_TAGS.NAME, type: RPM_TYPES.STRING, offset: 0, count: 2 }]],
    ["a duplicate tag", [good[0] as Entry, good[0] as Entry]],
  ])("refuses %s with BAD_HEADER", (_what, entries) => {
    const { intro: i, body: b } = body(entries, store);
    expect(codeOf(() => HeaderBlock.parse("main", i, b))).toBe("BAD_HEADER");
  });

  it("refuses a body of the wrong size", () => {
    const { intro: i, body: b } = body(good, store);
    expect(codeOf(() => HeaderBlock.parse("main", i, b.subarray(1)))).toBe("BAD_HEADER");
  });

  it("refuses a string without its terminating NUL when it is read", () => {
    const { intro: i, body: b } = body([{ tag: RPM_TAGS.NAME, type: RPM_TYPES.STRING, offset: 0, count: 1 }], Buffer.from("hello"));
    const block = HeaderBlock.parse("main", i, b);
    expect(codeOf(() => block.string(RPM_TAGS.NAME))).toBe("BAD_HEADER");
  });

  it("refuses a string array whose strings run past the store", () => {
    const entries = [{ tag: RPM_TAGS.EXCLUDEARCH, type: RPM_TYPES.STRING_ARRAY, offset: 12, count: 5 }];
    const block = HeaderBlock.parse("main", body(entries, store).intro, body(entries, store).body);
    expect(codeOf(() => block.stringArray(RPM_TAGS.EXCLUDEARCH))).toBe("BAD_HEADER");
  });

  it("refuses a huge string array instead of decoding it", () => {
    const nuls = Buffer.alloc(MAX_DECODED_VALUES + 1);
    const entries = [{ tag: RPM_TAGS.EXCLUDEARCH, type: RPM_TYPES.STRING_ARRAY, offset: 0, count: nuls.length }];
    const { intro: i, body: b } = body(entries, nuls);
    const block = HeaderBlock.parse("main", i, b);
    expect(codeOf(() => block.stringArray(RPM_TAGS.EXCLUDEARCH))).toBe("BAD_HEADER");
  });

  it("refuses a tag of the wrong type when it is read", () => {
    const entries = [{ tag: RPM_TAGS.NAME, type: RPM_TYPES.INT32, offset: 8, count: 1 }];
    const { intro: i, body: b } = body(entries, store);
    const block = HeaderBlock.parse("main", i, b);
    expect(codeOf(() => block.string(RPM_TAGS.NAME))).toBe("BAD_HEADER");
  });
});
