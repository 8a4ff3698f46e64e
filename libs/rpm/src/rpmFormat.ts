/**
 * Constants of the RPM v3/v4 file format: lead, header structure, tag and
 * type numbers, and the limits we enforce on untrusted files.
 */

/** The lead is a fixed 96-byte block at the start of every RPM. */
export const LEAD_SIZE = 96;
export const LEAD_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);
/** Lead `signature_type` of every RPM written since rpm 3 (a header-style signature). */
export const LEAD_SIGTYPE_HEADERSIG = 5;

/** Header intro: magic (3 bytes + version 1), 4 reserved bytes, index count, data size. */
export const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);
export const HEADER_INTRO_SIZE = 16;
/** Each index entry: tag, type, offset, count (u32 big-endian each). */
export const INDEX_ENTRY_SIZE = 16;

/** Upper bounds for untrusted headers, so a hostile file cannot make us allocate gigabytes. */
export const MAX_INDEX_COUNT = 100_000;
/** Bytes; 64 MiB. Real main headers of the largest packages are a few MiB. */
export const MAX_DATA_SIZE = 64 * 1024 * 1024;
/** Most values decoded from one array tag (we only decode short lists such as ExclusiveArch). */
export const MAX_DECODED_VALUES = 4096;

export const RPM_TYPES = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

export type RpmType = (typeof RPM_TYPES)[keyof typeof RPM_TYPES];

/** Bytes per element of the fixed-size types; strings are NUL-terminated (at least 1 byte each). */
export const TYPE_SIZE: Readonly<Record<RpmType, number>> = {
  0: 0,
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 1,
  9: 1,
};

export const RPM_TAGS = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  ARCH: 1022,
  SOURCERPM: 1044,
  EXCLUDEARCH: 1059,
  EXCLUSIVEARCH: 1061,
  BUILDARCHS: 1089,
  SOURCEPACKAGE: 1106,
} as const;

/**
 * Tags of the signature header we use. Tag numbers are per header: in the
 * signature, 1000 is the package size (INT32), not NAME.
 */
export const SIGNATURE_TAGS = {
  /** INT32: bytes from the start of the main header to the end of the payload. */
  SIZE: 1000,
  /** INT64: the same, for packages of 4 GiB and more (written instead of SIZE). */
  LONGSIZE: 270,
  /** Hex SHA-1 of the main header (intro, index and data). */
  SHA1HEADER: 269,
  /** Hex SHA-256 of the main header (rpm ≥ 4.14). */
  SHA256HEADER: 273,
} as const;
