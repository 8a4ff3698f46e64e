import { z } from "zod";
import type { Message } from "rhea";
import { applicationProperties, decodeJson, jsonMessage, userIdOf } from "../codec.ts";
import type { BusConnection } from "../connection.ts";
import { BusError } from "../errors.ts";
import { parseAgentName, type AgentName } from "../names.ts";
import type { ManagedReceiver } from "../receiver.ts";
import { AgentMethodError } from "./agentError.ts";
import {
  AGENT, APP_ID, APP_ID_QMF2, HEARTBEAT_TOPIC, IDEMPOTENCY_KEY, OPCODE, OPCODES,
  methodRequestBody, type AgentInfoBody,
} from "./envelope.ts";
import { IdempotencyCache, type Outcome } from "./idempotency.ts";

export interface MethodContext {
  correlationId: string;
  idempotencyKey: string;
  /** The caller's broker user, as the broker validated it (undefined when the request carried none). */
  caller: string | undefined;
}

export interface MethodSpec<A extends z.ZodType = z.ZodType, R = unknown> {
  description: string;
  args: A;
  handler: (args: z.output<A>, ctx: MethodContext) => Promise<R> | R;
  /**
   * Broker users allowed to call this method (checked against the request's
   * validated user id); anyone who can reach the agent's queue when unset.
   */
  callers?: readonly string[];
}

/** A reply's acceptance by the broker needs no action. */
const ignore = (): void => undefined;

/** Built-in method that lists the agent's methods and their argument schemas. */
export const DESCRIBE_METHOD = "_describe_methods";

export interface AgentOptions {
  /** `vendor:product:instance`. */
  name: string;
  /** Boot count of this agent; consoles see a change as a restart. */
  epoch: number;
  /** Heartbeat interval, ms. Default 5000. Consoles age the agent out after 3 missed intervals. */
  heartbeatIntervalMs?: number;
  /** Static capabilities announced with every heartbeat (e.g. `{ arches: ["x86_64"] }`). */
  capabilities?: Record<string, unknown>;
  /** Current slot usage, read at each heartbeat. */
  slots?: () => { total: number; used: number };
  /** How long a finished call's outcome is kept for repeated requests, ms. Default 600 000. */
  resultTtlMs?: number;
  /** Requests handled at the same time. Default 64. */
  concurrency?: number;
}

/**
 * A bus agent: serves registered methods as QMF v2 `_method_request`s,
 * heartbeats, answers agent-locate broadcasts and describes its methods.
 */
export class Agent {
  readonly name: string;
  readonly epoch: number;
  readonly heartbeatIntervalMs: number;
  readonly #parts: AgentName;
  readonly #bus: BusConnection;
  readonly #options: AgentOptions;
  readonly #methods = new Map<string, MethodSpec>();
  readonly #cache: IdempotencyCache;
  readonly #receivers: ManagedReceiver[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #reattached = true;
  readonly #onReconnect = (): void => {
    this.#reattached = true;
    void Promise.all(this.#receivers.map((r) => r.attached)).then(() => this.heartbeat(), () => undefined);
  };

  private constructor(bus: BusConnection, options: AgentOptions) {
    this.#parts = parseAgentName(options.name);
    this.name = options.name;
    this.epoch = options.epoch;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    this.#bus = bus;
    this.#options = options;
    this.#cache = new IdempotencyCache(options.resultTtlMs ?? 600_000, 10_000);
  }

  /** Attaches the agent's request and locate links, sends the first heartbeat and starts heartbeating. */
  static async start(bus: BusConnection, options: AgentOptions): Promise<Agent> {
    const agent = new Agent(bus, options);
    await agent.#start();
    return agent;
  }

  async #start(): Promise<void> {
    const profile = this.#bus.profile;
    // One queue brings both this agent's requests and locate broadcasts; only this agent's broker user may read it.
    this.#receivers.push(
      this.#bus.receiver({
        address: profile.requestSource(this.name),
        prefetch: 200,
        concurrency: this.#options.concurrency ?? 64,
        onMessage: (m) => this.#onRequest(m),
      }),
    );
    await Promise.all(this.#receivers.map((r) => r.attached));
    this.#bus.on("reconnected", this.#onReconnect);
    await this.heartbeat();
    this.#timer = setInterval(() => void this.heartbeat(), this.heartbeatIntervalMs);
    this.#timer.unref();
  }

  /** Registers (or replaces) a method. */
  method<A extends z.ZodType, R>(name: string, spec: MethodSpec<A, R>): this {
    if (name.startsWith("_")) throw new BusError("INVALID_NAME", `method names starting with "_" are reserved: ${name}`);
    this.#methods.set(name, spec);
    return this;
  }

  #info(): AgentInfoBody {
    const values: AgentInfoBody["_values"] = {
      _timestamp: Date.now(),
      _heartbeat_interval: this.heartbeatIntervalMs,
      _epoch: this.epoch,
      capabilities: this.#options.capabilities ?? {},
      _reattached: this.#reattached,
    };
    if (this.#options.slots !== undefined) values.slots = this.#options.slots();
    return { _values: values };
  }

  /** Sends one heartbeat now (also done every interval). Errors are logged, never thrown. */
  async heartbeat(): Promise<void> {
    if (this.#closed) return;
    const { vendor, product, instance } = this.#parts;
    const rk = `${HEARTBEAT_TOPIC}.${vendor}.${product}.${instance}`;
    const info = this.#info();
    this.#reattached = false;
    const message = jsonMessage(info, {
      subject: rk,
      ttl: 2 * this.heartbeatIntervalMs,
      user_id: this.#bus.userId,
      application_properties: { [APP_ID]: APP_ID_QMF2, [OPCODE]: OPCODES.heartbeat, [AGENT]: this.name },
    });
    try {
      await this.#bus.sender(this.#bus.profile.signalTarget(rk)).send(message, Date.now() + this.heartbeatIntervalMs);
    } catch (error) {
      if (!this.#closed) this.#bus.log.warn({ agent: this.name, err: String(error) }, "heartbeat not sent");
    }
  }

  /**
   * Sends a reply to the request's reply_to. It is on its way once queued:
   * the sender resends it across reconnects, so the request can be settled
   * without waiting for the broker to take the reply.
   */
  #reply(request: Message, opcode: string, body: unknown): void {
    const replyTo = request.reply_to;
    if (typeof replyTo !== "string" || !this.#bus.profile.isReplyAddress(replyTo)) return;
    const message = jsonMessage(body, {
      correlation_id: request.correlation_id,
      user_id: this.#bus.userId,
      application_properties: { [APP_ID]: APP_ID_QMF2, [OPCODE]: opcode, [AGENT]: this.name },
    });
    this.#bus.sender(replyTo).post(message, undefined, ignore, (error) => {
      this.#bus.log.warn({ agent: this.name, replyTo, err: String(error) }, "reply not delivered");
    });
  }

  async #onRequest(message: Message): Promise<"accept" | "reject"> {
    const props = applicationProperties(message);
    if (props[OPCODE] === OPCODES.locateRequest) {
      this.#reply(message, OPCODES.locateResponse, this.#info());
      return "accept";
    }
    const correlationId = message.correlation_id;
    if (props[OPCODE] !== OPCODES.methodRequest || typeof correlationId !== "string" || typeof message.reply_to !== "string") {
      this.#bus.log.warn({ agent: this.name, opcode: props[OPCODE] }, "rejected a request without opcode, string correlation_id or reply_to");
      return "reject";
    }
    let body;
    try {
      body = methodRequestBody.parse(decodeJson(message));
    } catch (error) {
      this.#fail(message, "INVALID_MESSAGE", error instanceof Error ? error.message : String(error));
      return "reject";
    }
    if (body._object_id._agent_name !== this.name) {
      this.#fail(message, "INVALID_MESSAGE", `request for agent ${body._object_id._agent_name} reached ${this.name}`);
      return "reject";
    }
    const caller = userIdOf(message);
    const callers = this.#methods.get(body._method_name)?.callers;
    // Checked before the idempotency cache, so a refused caller cannot take a key from the real one.
    if (callers !== undefined && (caller === undefined || !callers.includes(caller))) {
      this.#bus.log.warn({ agent: this.name, method: body._method_name, caller: caller ?? null }, "refused a call from a broker user not allowed to make it");
      this.#fail(message, "FORBIDDEN", `${body._method_name} may be called only by ${callers.join(", ")}, not by ${caller ?? "an unnamed sender"}`);
      return "accept";
    }
    const key = typeof props[IDEMPOTENCY_KEY] === "string" ? props[IDEMPOTENCY_KEY] : correlationId;
    const { outcome } = this.#cache.run(`${body._method_name}\n${key}`, () => this.#invoke(body._method_name, body._arguments, { correlationId, idempotencyKey: key, caller }));
    const result = await outcome;
    if (result.ok) this.#reply(message, OPCODES.methodResponse, { _arguments: result.value ?? null });
    else this.#fail(message, result.code, result.text);
    return "accept";
  }

  #fail(request: Message, code: string, text: string): void {
    this.#reply(request, OPCODES.exception, { _values: { error_code: code, error_text: text } });
  }

  async #invoke(name: string, rawArgs: Record<string, unknown>, ctx: MethodContext): Promise<Outcome> {
    if (name === DESCRIBE_METHOD) return { ok: true, value: this.describe() };
    const spec = this.#methods.get(name);
    if (spec === undefined) return { ok: false, code: "METHOD_NOT_FOUND", text: `agent ${this.name} has no method ${name}` };
    const args = spec.args.safeParse(rawArgs);
    if (!args.success) return { ok: false, code: "INVALID_ARGUMENTS", text: `${name}: ${z.prettifyError(args.error)}` };
    try {
      return { ok: true, value: await spec.handler(args.data, ctx) };
    } catch (error) {
      if (error instanceof AgentMethodError) return { ok: false, code: error.code, text: error.message };
      this.#bus.log.error({ agent: this.name, method: name, err: error instanceof Error ? error.stack : String(error) }, "method failed");
      return { ok: false, code: "METHOD_FAILED", text: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The methods this agent serves, with JSON Schemas of their arguments. */
  describe(): { name: string; description: string; arguments: unknown }[] {
    return [...this.#methods].map(([name, spec]) => ({
      name,
      description: spec.description,
      arguments: z.toJSONSchema(spec.args, { unrepresentable: "any", io: "input" }),
    }));
  }

  /** Stops heartbeating and serving. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#bus.off("reconnected", this.#onReconnect);
    for (const r of this.#receivers) this.#bus.removeReceiver(r);
  }
}
