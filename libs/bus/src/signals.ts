import type { z } from "zod";
import type { Message } from "rhea";
import type { SignalDomain } from "./catalog.ts";
import { applicationProperties, decodeJson, jsonMessage, routingKeyOf, userIdOf, type HeaderValue, type Headers } from "./codec.ts";
import type { BusConnection } from "./connection.ts";
import { BusError } from "./errors.ts";
import { assertDomain, assertWord } from "./names.ts";
import type { ManagedReceiver } from "./receiver.ts";

/** What a handler learns about a signal besides its payload. */
export interface SignalMeta {
  messageId: string | undefined;
  sentAt: Date | undefined;
  routingKey: string;
  signal: string;
  headers: Record<string, unknown>;
  /** The publisher's broker user, validated by the broker (undefined when the message carried none). */
  userId: string | undefined;
}

export type SignalHandlers<S extends Record<string, z.ZodType>> = {
  [K in keyof S]?: (payload: z.output<S[K]>, meta: SignalMeta) => Promise<void> | void;
};

export interface SubscribeOptions {
  /** Deliver only signals whose application properties equal these (checked here: the broker has no filters). */
  filter?: Headers;
  /**
   * A durable named queue: signals published while this consumer is away
   * wait for it (across broker restarts). Omit for a transient subscription.
   */
  durable?: { queue: string };
  /** Bind `<domain>.*` (every signal of the domain) instead of one key per handled signal. */
  wildcard?: boolean;
  /** Messages in flight to this consumer. Default 100. */
  prefetch?: number;
  /**
   * Signals handled at once. Default 1. Signals with the same `primary_uid`
   * are always handled one after another, in the order they arrived (a
   * task's reports stay in order); others run side by side.
   */
  concurrency?: number;
  /** Called for every message rejected as malformed or schema-invalid (after it is logged). */
  onInvalid?: (error: BusError, message: Message) => void;
}

export interface Subscription {
  /** Resolves once the broker confirmed the subscription. */
  readonly ready: Promise<void>;
  close(): void;
}

/** Publishes and subscribes to signals (pub/sub on the topic exchange). */
export class Signals {
  readonly #bus: BusConnection;

  constructor(bus: BusConnection) {
    this.#bus = bus;
  }

  /** `<prefix>.<domain>` for service domains, the domain itself for global ones. */
  domainKey(domain: SignalDomain): string {
    return assertDomain(domain.scope === "service" ? `${this.#bus.config.domainPrefix}.${domain.domain}` : domain.domain);
  }

  /**
   * Validates `payload` against the catalog and publishes it durably.
   * Resolves when the broker took it; BusError UNAUTHORIZED when this
   * component may not publish under that domain.
   */
  async publish<S extends Record<string, z.ZodType>, K extends keyof S & string>(
    domain: SignalDomain<S>,
    signal: K,
    payload: z.input<S[K]>,
    headers: Headers = {},
  ): Promise<void> {
    assertWord("signal", signal);
    const schema = domain.signals[signal];
    if (schema === undefined) throw new BusError("INVALID_MESSAGE", `domain ${domain.domain} has no signal ${signal}`);
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new BusError("INVALID_MESSAGE", `payload of ${domain.domain}.${signal} is invalid: ${parsed.error.message}`);
    }
    const routingKey = `${this.domainKey(domain)}.${signal}`;
    const props: Record<string, HeaderValue> = {};
    const data = parsed.data as Record<string, unknown>;
    for (const field of domain.headerFields) {
      const v = data[field];
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") props[field] = v;
    }
    Object.assign(props, headers);
    const message = jsonMessage(parsed.data, { subject: routingKey, durable: true, user_id: this.#bus.userId, application_properties: props });
    await this.#bus.sender(this.#bus.profile.signalTarget(routingKey)).send(message);
  }

  /** Subscribes to signals of one domain; invalid messages are rejected and logged, the consumer keeps running. */
  subscribe<S extends Record<string, z.ZodType>>(
    domain: SignalDomain<S>,
    handlers: SignalHandlers<S>,
    options: SubscribeOptions = {},
  ): Subscription {
    const key = this.domainKey(domain);
    const handled = Object.keys(handlers);
    for (const s of handled) {
      assertWord("signal", s);
      if (domain.signals[s] === undefined) throw new BusError("INVALID_MESSAGE", `domain ${domain.domain} has no signal ${s}`);
    }
    const bindingKeys = options.wildcard === true ? [`${key}.*`] : handled.map((s) => `${key}.${s}`);
    const log = this.#bus.log;
    const invalid = (error: BusError, message: Message): "reject" => {
      log.warn({ domain: key, code: error.code, reason: error.message, messageId: message.message_id }, "rejected invalid signal");
      options.onInvalid?.(error, message);
      return "reject";
    };
    const onMessage = async (message: Message): Promise<"accept" | "reject"> => {
      const routingKey = routingKeyOf(message) ?? "";
      const signal = routingKey.startsWith(`${key}.`) ? routingKey.slice(key.length + 1) : "";
      const handler = handlers[signal as keyof S];
      const schema = domain.signals[signal];
      if (handler === undefined || schema === undefined) return "accept"; // bound by wildcard, not handled here
      const headers = applicationProperties(message);
      for (const [k, v] of Object.entries(options.filter ?? {})) {
        if (headers[k] !== v) return "accept";
      }
      let body: unknown;
      try {
        body = decodeJson(message);
      } catch (error) {
        return invalid(error as BusError, message);
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        return invalid(new BusError("INVALID_MESSAGE", `${routingKey}: ${parsed.error.message}`), message);
      }
      const sentAt = message.creation_time instanceof Date ? message.creation_time : undefined;
      const handle = async (): Promise<void> => {
        await handler(parsed.data as z.output<S[keyof S]>, {
          messageId: typeof message.message_id === "string" ? message.message_id : undefined,
          sentAt, routingKey, signal, headers, userId: userIdOf(message),
        });
      };
      // Called in arrival order (nothing above awaits): chaining on the uid keeps each uid's signals in order.
      const uid = (parsed.data as { primary_uid: string }).primary_uid;
      const before = inOrder.get(uid);
      const mine = before === undefined ? handle() : before.then(handle, handle);
      inOrder.set(uid, mine);
      try {
        await mine;
      } finally {
        if (inOrder.get(uid) === mine) inOrder.delete(uid);
      }
      return "accept";
    };
    /** The last handling under way per primary_uid. */
    const inOrder = new Map<string, Promise<void>>();

    let receiver: ManagedReceiver | undefined;
    const extraReceivers: ManagedReceiver[] = [];
    let closed = false;
    const ready = (async () => {
      let address: string;
      if (options.durable !== undefined) {
        assertDomain(options.durable.queue);
        await this.#bus.profile.ensureDurableQueue(options.durable.queue, bindingKeys);
        address = this.#bus.profile.queueSource(options.durable.queue);
      } else {
        if (bindingKeys.length !== 1) {
          // One transient queue per binding key on RabbitMQ 3.x; group them under one subscription.
          const extra = bindingKeys.slice(1).map((k) =>
            this.#bus.receiver({ address: this.#bus.profile.topicSource(k), prefetch: options.prefetch, concurrency: options.concurrency, onMessage }),
          );
          extraReceivers.push(...extra);
        }
        address = this.#bus.profile.topicSource(bindingKeys[0] ?? `${key}.*`);
      }
      if (closed) return;
      receiver = this.#bus.receiver({ address, durable: options.durable !== undefined, prefetch: options.prefetch, concurrency: options.concurrency, onMessage });
      await Promise.all([receiver.attached, ...extraReceivers.map((r) => r.attached)]);
    })();
    ready.catch(() => undefined);
    return {
      ready,
      close: () => {
        closed = true;
        if (receiver !== undefined) this.#bus.removeReceiver(receiver);
        for (const r of extraReceivers) this.#bus.removeReceiver(r);
      },
    };
  }
}
