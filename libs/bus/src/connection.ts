import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import rhea, { type Connection, type ConnectionOptions, type Container, type EventContext, type Message } from "rhea";
import { connect as netConnect, type Socket } from "node:net";
import { brokerNodes, usesQuorumQueues, type BusConfig } from "./config.ts";
import { BusError } from "./errors.ts";
import type { BusLogger } from "./logger.ts";
import { defaultLogger } from "./logger.ts";
import type { BrokerProfile } from "./profile/profile.ts";
import { rabbitMq3Profile } from "./profile/rabbitmq3.ts";
import { ManagedReceiver, type ReceiverSpec } from "./receiver.ts";
import { ManagedSender } from "./sender.ts";

export interface BusConnectionEvents {
  /** The connection opened again after a loss; links are re-attached. */
  reconnected: [];
  /** The transport dropped; `reconnecting` says whether it will retry. */
  disconnected: [info: { reconnecting: boolean; error: string | undefined }];
}

export interface BusConnectionOptions {
  logger?: BusLogger;
  /** Broker address rules; default RabbitMQ 3.x from the config. */
  profile?: BrokerProfile;
}

/**
 * One AMQP connection per process, on its own rhea container (never rhea's
 * module-level default). Reconnects by itself and re-creates every link; each
 * link has its own session so a broker refusal on one does not end the others.
 */
export class BusConnection extends EventEmitter<BusConnectionEvents> {
  readonly config: BusConfig;
  readonly profile: BrokerProfile;
  readonly containerId: string;
  readonly log: BusLogger;
  /**
   * This connection's broker user as a message `user_id`: the broker refuses
   * a message whose user_id is not the login, so receivers can trust it.
   */
  readonly userId: Message["user_id"];
  readonly #container: Container;
  readonly #connection: Connection;
  readonly #senders = new Map<string, ManagedSender>();
  readonly #receivers = new Set<ManagedReceiver>();
  #openedOnce = false;
  #node: { host: string; port: number } | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(config: BusConfig, options: BusConnectionOptions) {
    super();
    this.config = config;
    this.log = options.logger ?? defaultLogger("bus");
    this.containerId = config.containerId ?? `${config.username}-${randomUUID()}`;
    // AMQP's user-id is binary; rhea's typings say string, its encoder wants bytes.
    this.userId = Buffer.from(config.username, "utf8") as unknown as string;
    this.profile = options.profile ?? rabbitMq3Profile({ ...config, quorumQueues: usesQuorumQueues(config) });
    this.#container = rhea.create_container({ id: this.containerId });
    const nodes = brokerNodes(config);
    // Spread processes over the nodes; after a drop, try the next node first
    // (the one just lost may be the one that died).
    let next = nodes.length > 1 && config.preferFirstNode !== true ? spreadIndex(this.containerId, nodes.length) : 0;
    const connectOptions: ConnectionOptions & { tcp_no_delay: boolean; connection_details: () => unknown } = {
      host: nodes[0]?.host ?? config.host,
      port: nodes[0]?.port ?? config.port,
      hostname: `vhost:${config.vhost}`,
      username: config.username,
      password: config.password,
      container_id: this.containerId,
      reconnect: true,
      initial_reconnect_delay: config.reconnectInitialDelayMs,
      max_reconnect_delay: config.reconnectMaxDelayMs,
      idle_time_out: config.idleTimeoutMs,
      // rhea only disables Nagle for connection-level receivers; every link here
      // has its own session, so ask for it explicitly (else ~40 ms per RPC).
      tcp_no_delay: true,
      // A broker that is starting (or stopping) may close a connection with
      // any error condition; rhea gives up for good on all but a few unless
      // told otherwise. Once connected, this connection never gives up.
      all_errors_non_fatal: true,
      connection_details: () => {
        const node = nodes[next % nodes.length] ?? { host: config.host, port: config.port };
        next = (next + 1) % nodes.length;
        this.#node = node;
        return { host: node.host, port: node.port, connect: netConnect, options: connectOptions };
      },
    };
    this.#connection = this.#container.connect(connectOptions);
    batchWrites(this.#connection);
    this.#connection.on("connection_open", () => this.#onOpen());
    this.#connection.on("disconnected", (ctx: EventContext) => this.#onDisconnected(ctx.reconnecting === true, ctx.error));
    this.#connection.on("connection_error", (ctx: EventContext) => {
      const err = BusError.fromAmqp(ctx.connection.error, "CONNECT_FAILED", "connection error");
      this.log.warn({ code: err.code, err: err.message }, "broker closed the connection");
    });
    this.#connection.on("connection_close", () => undefined);
    // Protocol errors; never let one crash the process.
    this.#connection.on("error", (ctx: unknown) => {
      this.log.warn({ err: String((ctx as { error?: unknown }).error ?? ctx) }, "AMQP protocol error");
    });
    this.#container.on("error", (err: unknown) => this.log.warn({ err: String(err) }, "AMQP container error"));
  }

  /**
   * Connects and waits for the broker to open the connection.
   * Throws BusError CONNECT_FAILED after `config.connectTimeoutMs`.
   */
  static async open(config: BusConfig, options: BusConnectionOptions = {}): Promise<BusConnection> {
    const bus = new BusConnection(config, options);
    try {
      await bus.#waitOpen(config.connectTimeoutMs);
    } catch (error) {
      await bus.close();
      throw error;
    }
    return bus;
  }

  #waitOpen(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let lastError: string | undefined;
      const onOpen = (): void => {
        clearTimeout(timer);
        this.#connection.removeListener("disconnected", onDown);
        resolve();
      };
      const onDown = (ctx: { error?: unknown }): void => {
        lastError = describe(ctx.error);
      };
      const timer = setTimeout(() => {
        this.#connection.removeListener("connection_open", onOpen);
        this.#connection.removeListener("disconnected", onDown);
        reject(new BusError(
          "CONNECT_FAILED",
          `could not open an AMQP connection to ${brokerNodes(this.config).map((n) => `${n.host}:${n.port}`).join(", ")} vhost ${this.config.vhost} as ${this.config.username} within ${timeoutMs} ms` +
            ` (${lastError ?? "no answer"}); check that the broker runs and the user, password and vhost are right`,
        ));
      }, timeoutMs);
      this.#connection.once("connection_open", onOpen);
      this.#connection.on("disconnected", onDown);
    });
  }

  /** The broker node this connection is on (or trying), "host:port". */
  get node(): string {
    return this.#node === undefined ? `${this.config.host}:${this.config.port}` : `${this.#node.host}:${this.#node.port}`;
  }

  get isOpen(): boolean {
    return this.#connection.is_open();
  }

  #onOpen(): void {
    if (this.#closed) return;
    for (const s of this.#senders.values()) s.attach(this.#connection);
    for (const r of this.#receivers) r.attach(this.#connection);
    if (this.#openedOnce) {
      this.log.info({ containerId: this.containerId, node: this.node }, "reconnected to broker; links re-attached");
      this.emit("reconnected");
    }
    this.#openedOnce = true;
  }

  #onDisconnected(reconnecting: boolean, error: unknown): void {
    for (const s of this.#senders.values()) s.detachForReconnect();
    for (const r of this.#receivers) r.detachForReconnect();
    if (this.#closed) return;
    const text = describe(error);
    if (this.#openedOnce) this.log.warn({ reconnecting, err: text }, "lost the broker connection");
    if (!reconnecting && this.#openedOnce) this.#reconnectAnyway(text);
    this.emit("disconnected", { reconnecting, error: text });
  }

  /**
   * rhea stops reconnecting after a failed SASL exchange (it keeps the
   * error and ends every later socket). A broker that is still booting can
   * refuse a login it accepts a moment later, so a connection that was
   * open once clears that error and tries again, at the longest delay.
   */
  #reconnectAnyway(why: string | undefined): void {
    this.log.warn({ err: why, inMs: this.config.reconnectMaxDelayMs }, "the broker refused the connection; trying again");
    const timer = setTimeout(() => {
      if (this.#closed || this.#connection.is_open()) return;
      const c = this.#connection as unknown as { transport_error?: unknown; reconnect(): void };
      c.transport_error = undefined;
      c.reconnect();
    }, this.config.reconnectMaxDelayMs);
    timer.unref();
  }

  /** The shared sender for an address (created on first use). */
  sender(address: string): ManagedSender {
    if (this.#closed) throw new BusError("CLOSED", "bus connection is closed");
    let s = this.#senders.get(address);
    if (s === undefined) {
      s = new ManagedSender(address, this.log);
      this.#senders.set(address, s);
      if (this.#connection.is_open()) s.attach(this.#connection);
    }
    return s;
  }

  /** Adds a receiver that lives until `removeReceiver` or `close`. */
  receiver(spec: ReceiverSpec): ManagedReceiver {
    if (this.#closed) throw new BusError("CLOSED", "bus connection is closed");
    const r = new ManagedReceiver(spec, this.log);
    this.#receivers.add(r);
    if (this.#connection.is_open()) r.attach(this.#connection);
    return r;
  }

  removeReceiver(r: ManagedReceiver): void {
    r.close();
    this.#receivers.delete(r);
  }

  /** Fails pending sends with CLOSED, closes every link and the connection. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#senders.values()) s.close();
    for (const r of this.#receivers) r.close();
    this.#senders.clear();
    this.#receivers.clear();
    const conn = this.#connection;
    const destroySocket = (): void => {
      (conn as unknown as { socket?: Socket }).socket?.destroy();
    };
    if (!conn.is_open()) {
      (conn as unknown as { set_reconnect(on: boolean): void }).set_reconnect(false);
      conn.close();
      destroySocket();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        destroySocket();
        resolve();
      }, 2000);
      conn.once("connection_close", () => {
        clearTimeout(timer);
        resolve();
      });
      conn.once("disconnected", () => {
        clearTimeout(timer);
        resolve();
      });
      (conn as unknown as { set_reconnect(on: boolean): void }).set_reconnect(false);
      conn.close();
    });
  }
}

/** A stable index in [0, n) from the container id. */
function spreadIndex(id: string, n: number): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % n;
}

function describe(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (error instanceof Error) return error.message;
  if (typeof error === "object") return JSON.stringify(error);
  return typeof error === "string" ? error : typeof error === "number" || typeof error === "boolean" ? String(error) : "unknown error";
}

/**
 * rhea writes every frame with its own socket.write(); with Nagle off that is
 * one syscall per frame. Corking the socket for one processing pass sends
 * all frames of that pass in a single writev. Instance-level, and a no-op if
 * rhea's internals ever change shape.
 */
function batchWrites(connection: Connection): void {
  const c = connection as unknown as { _process?: () => void; socket?: Socket };
  const process = c._process;
  if (typeof process !== "function") return;
  c._process = function (this: typeof c) {
    const socket = this.socket;
    if (socket === undefined || socket.writableCorked > 0) {
      process.call(this);
      return;
    }
    socket.cork();
    try {
      process.call(this);
    } finally {
      socket.uncork();
    }
  };
}
