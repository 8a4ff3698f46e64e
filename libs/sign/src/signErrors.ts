/** Why signing failed. Keys equal values; see libs/sign/README.md for what each means and what to do. */
export const SIGN_ERROR_CODES = {
  /** A name that cannot be part of a key's user id (owner/project). */
  INVALID_NAME: "INVALID_NAME",
  /** gpg failed to create or export a key. */
  KEY_FAILED: "KEY_FAILED",
  /** rpmsign failed on a package. */
  SIGN_FAILED: "SIGN_FAILED",
  /** The build's result directory is missing or holds no package. */
  NO_PACKAGES: "NO_PACKAGES",
} as const;
export type SignErrorCode = (typeof SIGN_ERROR_CODES)[keyof typeof SIGN_ERROR_CODES];

/** Whether trying the same job again (on this or another signer) may succeed. */
export const SIGN_ERROR_RETRYABLE: Readonly<Record<SignErrorCode, boolean>> = {
  INVALID_NAME: false,
  KEY_FAILED: true,
  SIGN_FAILED: true,
  NO_PACKAGES: false,
};

export class SignError extends Error {
  readonly code: SignErrorCode;
  constructor(code: SignErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "SignError";
    this.code = code;
  }
}
