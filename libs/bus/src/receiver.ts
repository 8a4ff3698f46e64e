import type { Connection, Delivery, EventContext, Message, Receiver, Session } from "rhea";
import { BusError } from "./errors.ts";
import type { BusLogger } from "./logger.ts";

/** What to do with a message once handled. */
export type Disposition = "accept" | "reject" | "release";

export interface ReceiverSpec {
  /** Source address (see BrokerProfile). */
  address: string;
  /** Ask for a durable terminus (the broker keeps the queue across its restarts). */
  durable?: boolean;
  /** Messages in flight to this receiver (link credit). Default 100. */
  prefetch?: number;
  /** Messages handled at the same time. Default 1 (in order). */
  concurrency?: number;
  /** Handles one message; the returned disposition settles it. Throwing means "release". */
  onMessage: (message: Message) => Promise<Disposition> | Disposition;
  /** Called after each (re)attach is confirmed by the broker. */
  onAttached?: () => void;
}

/** Delay before a message whose handler threw is released back (ms): no hot redelivery loop. */
const RELEASE_DELAY_MS = 500;

/**
 * A receiver that re-attaches on every connection_open, settles explicitly
 * (accept / reject / release — never `modified`, which RabbitMQ 3.x answers
 * by ending the session) and keeps running whatever a handler does.
 */
export class ManagedReceiver {
  readonly spec: ReceiverSpec;
  readonly #log: BusLogger;
  #session: Session | undefined;
  #receiver: Receiver | undefined;
  #closed = false;
  #active = 0;
  readonly #waiting: { message: Message; delivery: Delivery }[] = [];
  #attached: Promise<void>;
  #markAttached: () => void = () => undefined;
  #failAttach: (e: BusError) => void = () => undefined;

  constructor(spec: ReceiverSpec, log: BusLogger) {
    this.spec = spec;
    this.#log = log;
    this.#attached = this.#newAttachPromise();
  }

  #newAttachPromise(): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      this.#markAttached = resolve;
      this.#failAttach = reject;
    });
    p.catch(() => undefined);
    return p;
  }

  /** Resolves once the broker confirmed the (latest) attach; rejects if it refused it. */
  get attached(): Promise<void> {
    return this.#attached;
  }

  attach(connection: Connection): void {
    if (this.#closed) return;
    const session = connection.create_session();
    session.begin();
    const receiver = session.attach_receiver({
      source: {
        address: this.spec.address,
        durable: this.spec.durable === true ? 2 : 0,
        expiry_policy: this.spec.durable === true ? "never" : "session-end",
      },
      autoaccept: false,
      credit_window: this.spec.prefetch ?? 100,
    });
    this.#session = session;
    this.#receiver = receiver;
    receiver.on("receiver_open", () => {
      this.#markAttached();
      this.spec.onAttached?.();
    });
    receiver.on("message", (ctx: EventContext) => {
      if (ctx.message === undefined || ctx.delivery === undefined) return;
      this.#waiting.push({ message: ctx.message, delivery: ctx.delivery });
      this.#pump();
    });
    const onError = (kind: string, error: unknown, sessionEnded: boolean): void => {
      // The link and its session may both report one refusal: handle the link still in use once.
      if (this.#receiver !== receiver) return;
      const err = BusError.fromAmqp(error, "REJECTED", `${kind} on ${this.spec.address}`);
      this.#log.warn({ address: this.spec.address, code: err.code, err: err.message }, "receiver refused by broker");
      this.#failAttach(err);
      this.#attached = this.#newAttachPromise();
      // Not remove(): see ManagedSender's #endAfterError — the channel must be ended with the broker first.
      const ended = this.#session;
      this.#session = undefined;
      this.#receiver = undefined;
      if (!sessionEnded) ended?.close();
      // A refused source stays refused; anything else is retried on a fresh session.
      if (!this.#closed && err.code !== "UNAUTHORIZED" && err.code !== "NOT_FOUND" && connection.is_open()) {
        setTimeout(() => {
          if (!this.#closed && connection.is_open() && this.#session === undefined) this.attach(connection);
        }, 1000).unref();
      }
    };
    receiver.on("receiver_error", (ctx: EventContext) => onError("link error", ctx.receiver?.error, false));
    session.on("session_error", (ctx: EventContext) => onError("session error", ctx.session?.error, true));
    receiver.on("receiver_close", () => undefined);
    session.on("session_close", () => undefined);
  }

  detachForReconnect(): void {
    // Unsettled deliveries die with the transport; the broker redelivers them.
    this.#waiting.length = 0;
    this.#attached = this.#newAttachPromise();
    this.#detach();
  }

  #detach(): void {
    this.#session?.remove();
    this.#session = undefined;
    this.#receiver = undefined;
  }

  #pump(): void {
    const limit = this.spec.concurrency ?? 1;
    while (this.#active < limit && this.#waiting.length > 0) {
      const { message, delivery } = this.#waiting.shift() as { message: Message; delivery: Delivery };
      const receiver = this.#receiver;
      let result: Promise<Disposition> | Disposition;
      try {
        result = this.spec.onMessage(message);
      } catch (error) {
        result = this.#failed(error);
      }
      if (typeof result === "string") {
        // Synchronous handler: settle in the same tick, no promise round trip.
        this.#settle(receiver, delivery, result);
        continue;
      }
      this.#active++;
      result.then(
        (disposition) => this.#finish(receiver, delivery, disposition),
        (error: unknown) => void this.#failed(error).then((disposition) => this.#finish(receiver, delivery, disposition)),
      );
    }
  }

  #finish(receiver: Receiver | undefined, delivery: Delivery, disposition: Disposition): void {
    try {
      this.#settle(receiver, delivery, disposition);
    } finally {
      this.#active--;
      this.#pump();
    }
  }

  #settle(receiver: Receiver | undefined, delivery: Delivery, disposition: Disposition): void {
    // A delivery from a dead link cannot be settled; the broker redelivers it.
    if (this.#receiver !== receiver || receiver === undefined) return;
    switch (disposition) {
      case "accept":
        delivery.accept();
        break;
      case "reject":
        delivery.reject({ condition: "amqp:invalid-field", description: "message rejected by consumer" });
        break;
      case "release":
        delivery.release();
        break;
    }
  }

  async #failed(error: unknown): Promise<Disposition> {
    this.#log.error({ address: this.spec.address, err: error instanceof Error ? error.message : String(error) }, "message handler failed; releasing for redelivery");
    await new Promise((r) => setTimeout(r, RELEASE_DELAY_MS));
    return "release";
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAttach(new BusError("CLOSED", `receiver ${this.spec.address} closed`));
    this.#waiting.length = 0;
    try {
      this.#session?.close();
    } catch {
      // connection already gone
    }
    this.#session = undefined;
    this.#receiver = undefined;
  }
}
