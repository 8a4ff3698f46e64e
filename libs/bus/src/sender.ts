import type { Connection, Delivery, EventContext, Message, Sender, Session } from "rhea";
import { BusError } from "./errors.ts";
import type { BusLogger } from "./logger.ts";

interface Outgoing {
  message: Message;
  /** Drop instead of (re)sending after this time (epoch ms); the caller gave up. */
  deadline: number | undefined;
  resolve: () => void;
  reject: (error: BusError) => void;
}

/**
 * A sender that outlives connections: it (re)attaches on its own session each
 * time the connection opens, buffers while detached, and resends every
 * delivery the broker had not settled when the connection dropped. `send`
 * resolves when the broker accepted the message.
 */
export class ManagedSender {
  readonly address: string;
  readonly #log: BusLogger;
  #session: Session | undefined;
  #sender: Sender | undefined;
  #queue: Outgoing[] = [];
  readonly #unsettled = new Map<Delivery, Outgoing>();
  #closed = false;

  constructor(address: string, log: BusLogger) {
    this.address = address;
    this.#log = log;
  }

  /** Queues a message; resolves on `accepted`, rejects with a BusError otherwise. */
  send(message: Message, deadline?: number): Promise<void> {
    return new Promise((resolve, reject) => this.post(message, deadline, resolve, reject));
  }

  /**
   * `send` with callbacks instead of a promise, for the RPC hot path (a
   * reply, a request): one allocation less per message, same guarantees.
   */
  post(message: Message, deadline: number | undefined, accepted: () => void, failed: (error: BusError) => void): void {
    if (this.#closed) {
      failed(new BusError("CLOSED", `sender ${this.address} is closed`));
      return;
    }
    this.#queue.push({ message, deadline, resolve: accepted, reject: failed });
    this.#flush();
  }

  /** Called by the connection on every connection_open. */
  attach(connection: Connection): void {
    if (this.#closed) return;
    const session = connection.create_session();
    session.begin();
    const sender = session.attach_sender({ target: { address: this.address }, autosettle: true });
    this.#session = session;
    this.#sender = sender;
    sender.on("sendable", () => this.#flush());
    sender.on("accepted", (ctx: EventContext) => this.#settle(ctx.delivery, (o) => o.resolve()));
    sender.on("rejected", (ctx: EventContext) => {
      const err = BusError.fromAmqp(ctx.delivery?.remote_state?.error, "REJECTED", `broker rejected a message to ${this.address}`);
      this.#settle(ctx.delivery, (o) => o.reject(err));
    });
    sender.on("released", (ctx: EventContext) => this.#settle(ctx.delivery, (o) => this.#requeue([o])));
    sender.on("modified", (ctx: EventContext) => this.#settle(ctx.delivery, (o) => this.#requeue([o])));
    const onError = (kind: string, error: unknown, sessionEnded: boolean): void => {
      // The link and its session may both report one refusal: handle the link still in use once.
      if (this.#sender !== sender) return;
      // RabbitMQ ends the whole session on a forbidden publish: every message
      // in flight on this link met the same refusal.
      const err = BusError.fromAmqp(error, "REJECTED", `${kind} on ${this.address}`);
      this.#log.warn({ address: this.address, code: err.code, err: err.message }, "sender refused by broker");
      this.#endAfterError(sessionEnded);
      const failed = [...this.#unsettled.values()];
      this.#unsettled.clear();
      for (const o of failed) o.reject(err);
      if (err.code === "UNAUTHORIZED" || err.code === "NOT_FOUND") {
        for (const o of this.#queue.splice(0)) o.reject(err);
      }
      // Reattach on a fresh session so later sends are tried again.
      if (!this.#closed && connection.is_open()) this.attach(connection);
    };
    sender.on("sender_error", (ctx: EventContext) => onError("link error", ctx.sender?.error, false));
    session.on("session_error", (ctx: EventContext) => onError("session error", ctx.session?.error, true));
    // Without these handlers rhea would bubble them to the connection.
    sender.on("sender_close", () => undefined);
    session.on("session_close", () => undefined);
  }

  /** Called by the connection when the transport dropped: keep unsettled messages for resending. */
  detachForReconnect(): void {
    // Detach first: a flush must never put messages on the dead link.
    this.#detach();
    const unsettled = [...this.#unsettled.values()];
    this.#unsettled.clear();
    this.#requeue(unsettled);
  }

  #detach(): void {
    this.#session?.remove();
    this.#session = undefined;
    this.#sender = undefined;
  }

  /**
   * Lets go of a session the broker refused, on a connection that stays up.
   * Not `remove()`: that frees the channel before rhea answers the broker's
   * END, the broker still holds the channel, and the next session rhea
   * begins on that number never opens. A session the broker ended is closed
   * and removed by rhea; one whose link alone failed is closed here.
   */
  #endAfterError(sessionEnded: boolean): void {
    const session = this.#session;
    this.#session = undefined;
    this.#sender = undefined;
    if (!sessionEnded) session?.close();
  }

  #requeue(items: Outgoing[]): void {
    if (items.length === 0) return;
    this.#queue = [...items, ...this.#queue];
    this.#flush();
  }

  #settle(delivery: Delivery | undefined, action: (o: Outgoing) => void): void {
    if (delivery === undefined) return;
    const o = this.#unsettled.get(delivery);
    if (o === undefined) return;
    this.#unsettled.delete(delivery);
    action(o);
  }

  #flush(): void {
    const sender = this.#sender;
    while (sender !== undefined && this.#queue.length > 0 && sender.sendable()) {
      const o = this.#queue.shift() as Outgoing;
      if (o.deadline !== undefined && Date.now() > o.deadline) {
        o.reject(new BusError("TIMEOUT", `message to ${this.address} expired before the broker took it`));
        continue;
      }
      const delivery = sender.send(o.message);
      this.#unsettled.set(delivery, o);
    }
  }

  /** Number of messages not yet accepted by the broker. */
  get pending(): number {
    return this.#queue.length + this.#unsettled.size;
  }

  /** Fails everything still pending and closes the link. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = new BusError("CLOSED", `sender ${this.address} closed`);
    for (const o of [...this.#queue, ...this.#unsettled.values()]) o.reject(err);
    this.#queue = [];
    this.#unsettled.clear();
    try {
      this.#session?.close();
    } catch {
      // connection already gone
    }
    this.#session = undefined;
    this.#sender = undefined;
  }
}
