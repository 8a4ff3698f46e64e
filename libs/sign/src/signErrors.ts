/** Why signing failed. */
export const SIGN_ERROR_CODES = {
  /** A name that cannot be part of a key's user id (owner/project). */
  INVALID_NAME: "INVALID_NAME",
  /** gpg failed to create or export a key. */
  KEY_FAILED: "KEY_FAILED",
  /** rpmsign failed on a package. */
  SIGN_FAILED: "SIGN_FAILED",
} as const;
export type SignErrorCode = (typeof SIGN_ERROR_CODES)[keyof typeof SIGN_ERROR_CODES];

export class SignError extends Error {
  readonly code: SignErrorCode;
  constructor(code: SignErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "SignError";
    this.code = code;
  }
}
