import { BusError, type BusErrorCode } from "../errors.ts";

/**
 * Thrown by a method handler to send a specific `error_code` to the caller
 * (e.g. "BUSY", "UNKNOWN_TASK"). Any other exception becomes METHOD_FAILED.
 */
export class AgentMethodError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "AgentMethodError";
    this.code = code;
  }
}

/** The error a Console raises for an `_exception` reply. */
export class RemoteMethodError extends BusError {
  /** The agent's error_code, as sent (may be one of ours or the agent's own). */
  readonly remoteCode: string;
  readonly agent: string;
  constructor(agent: string, remoteCode: string, text: string) {
    const known: readonly string[] = ["METHOD_NOT_FOUND", "INVALID_ARGUMENTS", "INVALID_MESSAGE", "FORBIDDEN"];
    const code: BusErrorCode = known.includes(remoteCode) ? (remoteCode as BusErrorCode) : "METHOD_FAILED";
    super(code, `${agent}: ${remoteCode}: ${text}`);
    this.name = "RemoteMethodError";
    this.remoteCode = remoteCode;
    this.agent = agent;
  }
}
