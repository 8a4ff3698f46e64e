/**
 * Errors of the worker's SSH boundary to its builder hosts. Everything ssh2
 * or SFTP throws is converted here once, keeping where it failed (`level`).
 */

export const SSH_ERROR_CODES = {
  /** The host presented a key whose fingerprint is not the pinned one. Nothing was sent to it. */
  HOST_KEY_MISMATCH: "HOST_KEY_MISMATCH",
  /** TCP connect, DNS, the SSH handshake or opening a session channel failed or timed out. */
  CONNECT_FAILED: "CONNECT_FAILED",
  /** The host refused the worker's key (or the configured key cannot be used). */
  AUTH_FAILED: "AUTH_FAILED",
  /** A remote command exited non-zero (or was killed by a signal). */
  COMMAND_FAILED: "COMMAND_FAILED",
  /** The build was cancelled on request and its process group is gone. */
  CANCELED: "CANCELED",
  /** Cancelling a build failed: the cancel command failed or the process group survived SIGKILL. */
  CANCEL_FAILED: "CANCEL_FAILED",
  /** An SFTP upload, download, listing or mkdir failed (remote status or local file error). */
  TRANSFER_FAILED: "TRANSFER_FAILED",
  /** The session was closed (by close() or because the connection dropped) before the operation finished. */
  CLOSED: "CLOSED",
} as const;

export type SshErrorCode = (typeof SSH_ERROR_CODES)[keyof typeof SSH_ERROR_CODES];

/**
 * Whose fault a failure is, which decides what happens to the task:
 *  - "infrastructure": the host or the network; retry the task on another host;
 *  - "build": the package or its build failed; the task ends failed;
 *  - "request": someone asked for it (cancel); the task ends canceled.
 */
export type SshFault = "infrastructure" | "build" | "request";

export const SSH_ERROR_FAULT = {
  HOST_KEY_MISMATCH: "infrastructure",
  CONNECT_FAILED: "infrastructure",
  AUTH_FAILED: "infrastructure",
  COMMAND_FAILED: "build",
  CANCELED: "request",
  CANCEL_FAILED: "infrastructure",
  TRANSFER_FAILED: "infrastructure",
  CLOSED: "infrastructure",
} as const satisfies Record<SshErrorCode, SshFault>;

/** The `level` values ssh2 puts on its errors (mscdex/ssh2 lib/client.js, lib/protocol). */
export const SSH2_LEVELS = [
  "client-socket",
  "client-timeout",
  "client-dns",
  "client-authentication",
  "handshake",
  "protocol",
  "agent",
] as const;

/** Where a failure happened: an ssh2 level, or one of the places this driver adds. */
export const SSH_FAILURE_LEVELS = [
  ...SSH2_LEVELS,
  /** Opening a session channel (exec/sftp) on an established connection. */
  "channel-open",
  /** An SFTP request answered with an error status. */
  "sftp",
  /** Reading or writing the local side of a transfer. */
  "local-fs",
  /** A remote command's exit status. */
  "remote-command",
  /** The worker's own configuration (unusable private key). */
  "config",
] as const;

export type SshFailureLevel = (typeof SSH_FAILURE_LEVELS)[number];

export interface SshErrorOptions {
  level?: SshFailureLevel | undefined;
  cause?: unknown;
  /** SFTP status code (ssh2 `STATUS_CODE`: 2 no such file, 3 permission denied, 4 failure), when the server sent one. */
  sftpStatus?: number | undefined;
}

export class SshError extends Error {
  override readonly name = "SshError";
  readonly code: SshErrorCode;
  readonly level: SshFailureLevel | undefined;
  readonly sftpStatus: number | undefined;

  constructor(code: SshErrorCode, message: string, options: SshErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.level = options.level;
    this.sftpStatus = options.sftpStatus;
  }

  get fault(): SshFault {
    return SSH_ERROR_FAULT[this.code];
  }
}

/** True when the task should be retried on another builder host. */
export function isInfrastructureFault(error: unknown): boolean {
  return error instanceof SshError && error.fault === "infrastructure";
}

function isSsh2Level(value: unknown): value is (typeof SSH2_LEVELS)[number] {
  return typeof value === "string" && (SSH2_LEVELS as readonly string[]).includes(value);
}

/** The ssh2 `level` of an error, if it carries a known one. */
export function ssh2Level(error: unknown): (typeof SSH2_LEVELS)[number] | undefined {
  if (typeof error !== "object" || error === null || !("level" in error)) return undefined;
  const level = (error).level;
  return isSsh2Level(level) ? level : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Converts an error ssh2 emitted on the connection. Before the session is
 * ready a network or protocol failure means we could not connect; after,
 * the connection is gone (CLOSED). An authentication failure is always
 * AUTH_FAILED.
 */
export function fromConnectionError(error: unknown, phase: "connect" | "session", where: string): SshError {
  if (error instanceof SshError) return error;
  const level = ssh2Level(error);
  if (level === "client-authentication" || level === "agent") {
    return new SshError("AUTH_FAILED", `${where}: the builder host refused the worker's key (${messageOf(error)})`, { level, cause: error });
  }
  const code = phase === "connect" ? "CONNECT_FAILED" : "CLOSED";
  const what = phase === "connect" ? "could not connect" : "connection lost";
  return new SshError(code, `${where}: ${what}: ${messageOf(error)}`, { level, cause: error });
}

/** Converts an error from an SFTP request or the local file it read or wrote. */
export function fromTransferError(error: unknown, what: string): SshError {
  if (error instanceof SshError) return error;
  const code: unknown = typeof error === "object" && error !== null && "code" in error ? (error).code : undefined;
  if (typeof code === "number") {
    return new SshError("TRANSFER_FAILED", `${what}: ${messageOf(error)} (SFTP status ${code})`, { level: "sftp", sftpStatus: code, cause: error });
  }
  if (typeof code === "string" && code.startsWith("E")) {
    return new SshError("TRANSFER_FAILED", `${what}: local file: ${messageOf(error)}`, { level: "local-fs", cause: error });
  }
  return new SshError("TRANSFER_FAILED", `${what}: ${messageOf(error)}`, { level: ssh2Level(error) ?? "sftp", cause: error });
}
