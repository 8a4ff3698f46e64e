/**
 * Repository error codes. Data, not prose: tests assert `code`,
 * libs/repo/README.md lists every code (a test fails when the two disagree).
 */
export const REPO_ERROR_CODES = {
  /** An owner, project, chroot, package name or build id breaks the naming rules, or a path leaves the results root. */
  INVALID_NAME: "INVALID_NAME",
  /** Invalid options for a RepoPublisher or repoFileContent(). */
  INVALID_CONFIG: "INVALID_CONFIG",
  /** createrepo_c could not be started, failed, timed out, or the chroot directory is missing. */
  CREATEREPO_FAILED: "CREATEREPO_FAILED",
  /** The publisher was closed: publish() after close(). */
  CLOSED: "CLOSED",
  /** The directory has no repodata/repomd.xml (never published), or repomd.xml names a file that is missing. */
  METADATA_NOT_FOUND: "METADATA_NOT_FOUND",
  /** repomd.xml or the primary metadata is malformed, truncated, or uses an unsupported compression. */
  METADATA_INVALID: "METADATA_INVALID",
} as const;

export type RepoErrorCode = (typeof REPO_ERROR_CODES)[keyof typeof REPO_ERROR_CODES];

/** Whether trying the same operation again (later) can succeed without a code or configuration change. */
export const REPO_ERROR_RETRYABLE: Readonly<Record<RepoErrorCode, boolean>> = {
  INVALID_NAME: false,
  INVALID_CONFIG: false,
  CREATEREPO_FAILED: true,
  CLOSED: false,
  METADATA_NOT_FOUND: true,
  METADATA_INVALID: true,
};

/** The one error class of the repository boundary (layout, createrepo_c, repodata). */
export class RepoError extends Error {
  readonly code: RepoErrorCode;

  constructor(code: RepoErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "RepoError";
    this.code = code;
  }

  get retryable(): boolean {
    return REPO_ERROR_RETRYABLE[this.code];
  }
}
