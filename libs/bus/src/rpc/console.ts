import { randomUUID } from "node:crypto";
import type { Message } from "rhea";
import { applicationProperties, decodeJson, jsonMessage, userIdOf } from "../codec.ts";
import type { BusConnection } from "../connection.ts";
import { BusError } from "../errors.ts";
import { assertWord, parseAgentName } from "../names.ts";
import type { ManagedReceiver } from "../receiver.ts";
import { RemoteMethodError } from "./agentError.ts";
import {
  AGENT, APP_ID, APP_ID_QMF2, HEARTBEAT_TOPIC, IDEMPOTENCY_KEY, LOCATE_TOPIC, OPCODE, OPCODES,
  agentInfoBody, exceptionBody, methodResponseBody,
} from "./envelope.ts";
import { AgentRegistry } from "./registry.ts";

export interface CallOptions {
  /** Give up after this long, ms (also the request's TTL on the broker). Default 30 000. */
  timeoutMs?: number;
  /** Requests with the same key run once per agent (e.g. `task-17:attempt-2`). Default: one per call. */
  idempotencyKey?: string;
  /** Gives up on the call when aborted (rejects with ABORTED), e.g. when the agent is known to be gone. */
  signal?: AbortSignal;
}

export interface ConsoleOptions {
  /** Console id (a word); names its reply queue binding. Default: random. */
  id?: string;
  /** Track agents from heartbeats (the `agents` registry). Default true. */
  trackAgents?: boolean;
  /** Heartbeat intervals without news before an agent is lost. Default 3. */
  missedIntervals?: number;
  /**
   * Whom to believe about an agent's name. "claimed" (default): the name a
   * heartbeat or reply carries. "broker-user": only a message whose
   * broker-validated user id is the agent's name counts as that agent's
   * (agents with their own broker user, see BrokerAdmin); anything else is
   * dropped and reported as an `impostor` event of the registry.
   */
  agentIdentity?: "claimed" | "broker-user";
  /**
   * Told of every call's end: the method, "ok" or the error's code (TIMEOUT,
   * the agent's error code, …) and how long it took, ms (for metrics).
   */
  onCallEnded?: (method: string, outcome: string, ms: number) => void;
}

interface Pending {
  agent: string;
  message: Message;
  deadline: number;
  timer: NodeJS.Timeout;
  resolve: (value: unknown) => void;
  reject: (error: BusError) => void;
}

/** The broker taking a request needs no action: the reply or the timer ends the call. */
const ignore = (): void => undefined;

/**
 * The calling side of the bus RPC: many calls in flight on one reply queue,
 * string correlation ids, a timeout per call, and an agent registry fed by
 * heartbeats and agent-locate broadcasts.
 */
export class Console {
  readonly id: string;
  readonly agents: AgentRegistry;
  readonly #bus: BusConnection;
  readonly #replyAddress: string;
  readonly #onCallEnded: ((method: string, outcome: string, ms: number) => void) | undefined;
  readonly #strictIdentity: boolean;
  readonly #pending = new Map<string, Pending>();
  readonly #locates = new Map<string, (name: string, body: unknown) => void>();
  readonly #receivers: ManagedReceiver[] = [];
  /** Agent names already validated (validation is per call otherwise). */
  readonly #knownNames = new Set<string>();
  #closed = false;
  readonly #onReconnect = (): void => {
    const reply = this.#receivers[0];
    if (reply !== undefined) void reply.attached.then(() => this.#resendPending(), () => undefined);
    // Agents are judged by their heartbeats again once this console can hear them.
    const heartbeats = this.#receivers[1];
    if (heartbeats === undefined) this.agents.resume();
    else void heartbeats.attached.then(() => this.agents.resume(), () => undefined);
  };
  /** While this console's connection is down, silence is no sign that an agent died. */
  readonly #onDisconnect = (): void => this.agents.pause();

  private constructor(bus: BusConnection, options: ConsoleOptions) {
    this.#bus = bus;
    this.id = assertWord("console id", options.id ?? `console-${randomUUID()}`);
    this.#replyAddress = bus.profile.replyAddress(this.id);
    this.agents = new AgentRegistry(options.missedIntervals ?? 3);
    this.#strictIdentity = options.agentIdentity === "broker-user";
    this.#onCallEnded = options.onCallEnded;
  }

  /** Whether a message claiming to come from `agent` may be believed; reports an impostor otherwise. */
  #believe(agent: string, message: Message, what: string): boolean {
    if (!this.#strictIdentity) return true;
    const sender = userIdOf(message);
    if (sender === agent) return true;
    this.#bus.log.warn({ agent, sender: sender ?? null, what }, "dropped a message from a broker user that is not the agent it names");
    this.agents.emit("impostor", { claimed: agent, sender, what });
    return false;
  }

  static async open(bus: BusConnection, options: ConsoleOptions = {}): Promise<Console> {
    const c = new Console(bus, options);
    c.#receivers.push(bus.receiver({ address: c.#replyAddress, prefetch: 1000, concurrency: 1000, onMessage: (m) => c.#onReply(m) }));
    if (options.trackAgents !== false) {
      c.#receivers.push(bus.receiver({ address: bus.profile.topicSource(`${HEARTBEAT_TOPIC}.#`), prefetch: 1000, onMessage: (m) => c.#onHeartbeat(m) }));
      // An agent that reconnected may have missed requests sent while its queue was gone.
      c.agents.on("updated", (agent, { reattached }) => {
        if (reattached) c.#resendPending(agent.name);
      });
    }
    bus.on("reconnected", c.#onReconnect);
    bus.on("disconnected", c.#onDisconnect);
    await Promise.all(c.#receivers.map((r) => r.attached));
    return c;
  }

  /**
   * Calls `method` on `agent`; resolves with the method's result. Rejects with
   * TIMEOUT, CLOSED, a RemoteMethodError (the agent's `_exception`), or a
   * broker error (e.g. UNAUTHORIZED).
   */
  call(agent: string, method: string, args: Record<string, unknown> = {}, options: CallOptions = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(new BusError("CLOSED", "console is closed"));
    if (!this.#knownNames.has(agent)) {
      parseAgentName(agent);
      if (this.#knownNames.size < 100_000) this.#knownNames.add(agent);
    }
    const timeoutMs = options.timeoutMs ?? 30_000;
    const correlationId = randomUUID();
    // The target agent is named in the body's _object_id (QMF v2); `qmf.agent` marks messages from agents.
    const props: Record<string, string> = { [APP_ID]: APP_ID_QMF2, [OPCODE]: OPCODES.methodRequest };
    if (options.idempotencyKey !== undefined) props[IDEMPOTENCY_KEY] = options.idempotencyKey;
    const message = jsonMessage(
      { _object_id: { _agent_name: agent }, _method_name: method, _arguments: args },
      { message_id: correlationId, correlation_id: correlationId, reply_to: this.#replyAddress, ttl: timeoutMs, user_id: this.#bus.userId, application_properties: props },
    );
    const started = performance.now();
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(new BusError("ABORTED", `the call of ${method} on ${agent} was aborted before it was sent`));
    const call = new Promise<unknown>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const onAbort = (): void => {
        if (this.#pending.get(correlationId) !== pending) return;
        this.#pending.delete(correlationId);
        clearTimeout(timer);
        reject(new BusError("ABORTED", `gave up waiting for ${agent} to answer ${method}`));
      };
      const timer = setTimeout(() => {
        this.#pending.delete(correlationId);
        signal?.removeEventListener("abort", onAbort);
        reject(new BusError("TIMEOUT", `${agent} did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const pending: Pending = {
        agent, message, deadline, timer,
        resolve: (v) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      this.#pending.set(correlationId, pending);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#send(correlationId, pending);
    });
    const onEnded = this.#onCallEnded;
    if (onEnded !== undefined) {
      call.then(
        () => onEnded(method, "ok", performance.now() - started),
        (error: unknown) => {
          const code = (error as { code?: unknown } | null)?.code;
          onEnded(method, typeof code === "string" ? code : "error", performance.now() - started);
        },
      );
    }
    return call;
  }

  #send(correlationId: string, p: Pending): void {
    this.#bus.sender(this.#bus.profile.requestTarget(p.agent)).post(p.message, p.deadline, ignore, (err) => {
      if (this.#pending.get(correlationId) !== p) return;
      // An expired resend is the timer's business.
      if (err.code === "TIMEOUT") return;
      this.#pending.delete(correlationId);
      clearTimeout(p.timer);
      p.reject(err);
    });
  }

  #resendPending(agent?: string): void {
    for (const [id, p] of this.#pending) {
      if (agent === undefined || p.agent === agent) this.#send(id, p);
    }
  }

  /** Broadcasts an agent-locate request and returns every agent that answered within `waitMs` ms. */
  async locate(waitMs = 1000): Promise<string[]> {
    const correlationId = randomUUID();
    const found = new Set<string>();
    this.#locates.set(correlationId, (name) => found.add(name));
    try {
      const message = jsonMessage({}, {
        correlation_id: correlationId,
        reply_to: this.#replyAddress,
        subject: LOCATE_TOPIC,
        ttl: waitMs,
        user_id: this.#bus.userId,
        application_properties: { [APP_ID]: APP_ID_QMF2, [OPCODE]: OPCODES.locateRequest },
      });
      await this.#bus.sender(this.#bus.profile.locateTarget()).send(message, Date.now() + waitMs);
      await new Promise((r) => setTimeout(r, waitMs));
      return [...found];
    } finally {
      this.#locates.delete(correlationId);
    }
  }

  #onReply(message: Message): "accept" | "reject" {
    const props = applicationProperties(message);
    const correlationId = message.correlation_id;
    const agent = typeof props[AGENT] === "string" ? props[AGENT] : "unknown agent";
    if (typeof correlationId !== "string") return "reject";
    let body: unknown;
    try {
      body = decodeJson(message);
    } catch (error) {
      this.#bus.log.warn({ agent, err: String(error) }, "rejected malformed reply");
      return "reject";
    }
    if (props[OPCODE] === OPCODES.locateResponse) {
      const parsed = agentInfoBody.safeParse(body);
      const onLocate = this.#locates.get(correlationId);
      if (parsed.success && typeof props[AGENT] === "string" && this.#believe(props[AGENT], message, "locate response")) {
        this.agents.observe(props[AGENT], parsed.data);
        onLocate?.(props[AGENT], parsed.data);
      }
      return "accept";
    }
    const p = this.#pending.get(correlationId);
    if (p === undefined) return "accept"; // late or duplicate reply
    if (!this.#believe(p.agent, message, "reply")) return "accept";
    this.#pending.delete(correlationId);
    clearTimeout(p.timer);
    if (props[OPCODE] === OPCODES.methodResponse) {
      const parsed = methodResponseBody.safeParse(body);
      if (parsed.success) p.resolve(parsed.data._arguments);
      else p.reject(new BusError("INVALID_MESSAGE", `${agent} sent a malformed _method_response`));
    } else if (props[OPCODE] === OPCODES.exception) {
      const parsed = exceptionBody.safeParse(body);
      if (parsed.success) p.reject(new RemoteMethodError(agent, parsed.data._values.error_code, parsed.data._values.error_text));
      else p.reject(new BusError("INVALID_MESSAGE", `${agent} sent a malformed _exception`));
    } else {
      p.reject(new BusError("INVALID_MESSAGE", `${agent} replied with unknown opcode ${String(props[OPCODE])}`));
    }
    return "accept";
  }

  #onHeartbeat(message: Message): "accept" | "reject" {
    const props = applicationProperties(message);
    const name = props[AGENT];
    if (props[OPCODE] !== OPCODES.heartbeat || typeof name !== "string") return "reject";
    if (!this.#believe(name, message, "heartbeat")) return "accept";
    let parsed;
    try {
      parsed = agentInfoBody.safeParse(decodeJson(message));
    } catch {
      return "reject";
    }
    if (!parsed.success) {
      this.#bus.log.warn({ agent: name, reason: parsed.error.message }, "rejected invalid heartbeat");
      return "reject";
    }
    this.agents.observe(name, parsed.data);
    return "accept";
  }

  /** Number of calls waiting for a reply. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Fails every pending call with CLOSED at once and detaches. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#bus.off("reconnected", this.#onReconnect);
    this.#bus.off("disconnected", this.#onDisconnect);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new BusError("CLOSED", `console closed before ${p.agent} answered`));
    }
    this.#pending.clear();
    for (const r of this.#receivers) this.#bus.removeReceiver(r);
    this.agents.close();
  }
}
