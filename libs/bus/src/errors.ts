/**
 * Bus error codes. Data, not prose: tests assert `code`, docs/bus-errors.md
 * lists every code (a test fails when the two disagree).
 */
export const BUS_ERROR_CODES = {
  /** The broker could not be reached or refused the login. */
  CONNECT_FAILED: "CONNECT_FAILED",
  /** The broker refused an operation for this user (permissions, topic permissions). */
  UNAUTHORIZED: "UNAUTHORIZED",
  /** The broker rejected a message (e.g. resource limits). */
  REJECTED: "REJECTED",
  /** An address (exchange or queue) does not exist. */
  NOT_FOUND: "NOT_FOUND",
  /** An RPC call got no reply within its timeout. */
  TIMEOUT: "TIMEOUT",
  /** The object was closed while the operation was pending. */
  CLOSED: "CLOSED",
  /** The caller gave up on an RPC call (its AbortSignal), e.g. because the agent is gone. */
  ABORTED: "ABORTED",
  /** A message failed envelope or schema validation. */
  INVALID_MESSAGE: "INVALID_MESSAGE",
  /** A name (agent, domain, signal, queue) does not follow the naming rules. */
  INVALID_NAME: "INVALID_NAME",
  /** The agent has no method of that name. */
  METHOD_NOT_FOUND: "METHOD_NOT_FOUND",
  /** The method's arguments failed the agent's schema. */
  INVALID_ARGUMENTS: "INVALID_ARGUMENTS",
  /** The caller's broker user may not call this method (MethodSpec.callers). */
  FORBIDDEN: "FORBIDDEN",
  /** The method ran and failed; the agent's error_text says why. */
  METHOD_FAILED: "METHOD_FAILED",
  /** The broker management API failed (durable subscriptions on RabbitMQ 3.x). */
  MANAGEMENT_FAILED: "MANAGEMENT_FAILED",
  /** Invalid bus configuration. */
  INVALID_CONFIG: "INVALID_CONFIG",
} as const;

export type BusErrorCode = (typeof BUS_ERROR_CODES)[keyof typeof BUS_ERROR_CODES];

/** Whether a caller may retry the same operation (possibly elsewhere). */
export const BUS_ERROR_RETRYABLE: Readonly<Record<BusErrorCode, boolean>> = {
  CONNECT_FAILED: true,
  UNAUTHORIZED: false,
  REJECTED: false,
  NOT_FOUND: false,
  TIMEOUT: true,
  CLOSED: true,
  ABORTED: true,
  INVALID_MESSAGE: false,
  INVALID_NAME: false,
  METHOD_NOT_FOUND: false,
  INVALID_ARGUMENTS: false,
  FORBIDDEN: false,
  METHOD_FAILED: false,
  MANAGEMENT_FAILED: true,
  INVALID_CONFIG: false,
};

/** AMQP error conditions (as rhea reports them) mapped to our codes. */
const CONDITION_CODES: Readonly<Record<string, BusErrorCode>> = {
  "amqp:unauthorized-access": "UNAUTHORIZED",
  "amqp:not-found": "NOT_FOUND",
  "amqp:resource-limit-exceeded": "REJECTED",
  "amqp:precondition-failed": "REJECTED",
  "amqp:invalid-field": "REJECTED",
};

/** The one error class of the bus boundary. */
export class BusError extends Error {
  readonly code: BusErrorCode;
  /** AMQP condition when the broker raised it, e.g. "amqp:unauthorized-access". */
  readonly condition: string | undefined;

  constructor(code: BusErrorCode, message: string, options: { cause?: unknown; condition?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = "BusError";
    this.code = code;
    this.condition = options.condition;
  }

  get retryable(): boolean {
    return BUS_ERROR_RETRYABLE[this.code];
  }

  /** Converts an AMQP error (rhea's `{condition, description}`) into a BusError. */
  static fromAmqp(error: unknown, fallback: BusErrorCode, context: string): BusError {
    if (error instanceof BusError) return error;
    const { condition, description } = readAmqpError(error);
    const code = (condition !== undefined ? CONDITION_CODES[condition] : undefined) ?? fallback;
    const text = description ?? condition ?? (error instanceof Error ? error.message : String(error));
    return new BusError(code, `${context}: ${text}`, { cause: error, condition });
  }
}

function readAmqpError(error: unknown): { condition?: string; description?: string } {
  if (typeof error !== "object" || error === null) return {};
  const e = error as { condition?: unknown; description?: unknown; value?: unknown };
  if (typeof e.condition === "string") {
    return { condition: e.condition, description: typeof e.description === "string" ? e.description : undefined };
  }
  // RabbitMQ 3.x session errors arrive as a described list: [condition, description, info].
  if (Array.isArray(e.value)) {
    const [c, d] = e.value as { value?: unknown }[];
    return {
      condition: typeof c?.value === "string" ? c.value : undefined,
      description: typeof d?.value === "string" ? d.value : undefined,
    };
  }
  return {};
}
