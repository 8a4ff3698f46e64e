export const STORE_ERROR_CODES = {
  EXISTS: "EXISTS",
  NOT_FOUND: "NOT_FOUND",
  INVALID_NAME: "INVALID_NAME",
  /** The task is not in a state (or attempt) from which this move is allowed. */
  REFUSED_TRANSITION: "REFUSED_TRANSITION",
  /** A log batch starts past the lines stored for its attempt: its sender claims lines it never sent. */
  LOG_GAP: "LOG_GAP",
  /** A batch option cannot be honoured: both given, another owner's build, a finished or failed batch, a cycle. */
  BATCH_REFUSED: "BATCH_REFUSED",
  /** The build has not ended: it cannot be deleted yet. */
  IN_PROGRESS: "IN_PROGRESS",
  /** A write carried an older fencing epoch than the active Headhunter's: its writer is no longer active. */
  FENCED: "FENCED",
} as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[keyof typeof STORE_ERROR_CODES];

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
  }
}
