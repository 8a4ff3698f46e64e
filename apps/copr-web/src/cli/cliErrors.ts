/**
 * What can go wrong in `copr`, as data: each code's exit status. Whatever
 * a command throws is converted once, in main.ts, by `toCliError`.
 */
export const CLI_ERROR_EXIT = {
  /** Bad command line: unknown command or option, missing argument. */
  USAGE: 2,
  /** ~/.config/copr missing, unreadable or incomplete. */
  CONFIG: 2,
  /** The server refused the configured token (HTTP 401). */
  TOKEN_REFUSED: 2,
  /** Nothing listens at copr_url, or the network is down. */
  UNREACHABLE: 1,
  /** The server refused or failed the request; the message is the server's. */
  SERVER: 1,
  /** The operation ran but did not succeed: a build failed, a watch timed out, a download broke. */
  FAILED: 1,
} as const;

export type CliErrorCode = keyof typeof CLI_ERROR_EXIT;

export class CliError extends Error {
  readonly code: CliErrorCode;
  /** The server's error code (tRPC code or upload error code), when the server sent one. */
  readonly serverCode: string | undefined;
  constructor(code: CliErrorCode, message: string, options: { cause?: unknown; serverCode?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.code = code;
    this.serverCode = options.serverCode;
  }

  get exitCode(): number {
    return CLI_ERROR_EXIT[this.code];
  }
}
