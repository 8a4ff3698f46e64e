/**
 * RPM error codes. Data, not prose: tests assert `code`, libs/rpm/README.md
 * lists every code (a test fails when the two disagree).
 */
export const RPM_ERROR_CODES = {
  /** The file is not an RPM at all (no lead magic), or not a regular file. */
  NOT_RPM: "NOT_RPM",
  /** A well-formed binary RPM where a source RPM was required. */
  NOT_SOURCE: "NOT_SOURCE",
  /** The file ends inside the lead or one of the headers (or is empty). */
  TRUNCATED: "TRUNCATED",
  /** Corrupt or unsupported header structure, or NAME/VERSION/RELEASE missing. */
  BAD_HEADER: "BAD_HEADER",
  /** Name, version or release is not safe to use in a path or a NEVRA. */
  UNSAFE_NAME: "UNSAFE_NAME",
  /** The file is larger than the caller's limit. */
  TOO_LARGE: "TOO_LARGE",
  /** A chroot name is not `<os>-<version>-<arch>` of safe characters. */
  INVALID_CHROOT: "INVALID_CHROOT",
  /** The server could not open or read the file (I/O error, permissions). */
  READ_FAILED: "READ_FAILED",
} as const;

export type RpmErrorCode = (typeof RPM_ERROR_CODES)[keyof typeof RPM_ERROR_CODES];

/** HTTP status a web handler answers with; 4xx means the uploader's fault. */
export const RPM_ERROR_HTTP_STATUS: Readonly<Record<RpmErrorCode, number>> = {
  NOT_RPM: 422,
  NOT_SOURCE: 422,
  TRUNCATED: 422,
  BAD_HEADER: 422,
  UNSAFE_NAME: 422,
  TOO_LARGE: 413,
  INVALID_CHROOT: 400,
  READ_FAILED: 500,
};

/** The one error class of the RPM boundary. Messages are meant for packagers. */
export class RpmError extends Error {
  readonly code: RpmErrorCode;

  constructor(code: RpmErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "RpmError";
    this.code = code;
  }

  /** Whether the uploader (not the server) is at fault: do not retry. */
  get userFault(): boolean {
    return RPM_ERROR_HTTP_STATUS[this.code] < 500;
  }
}
