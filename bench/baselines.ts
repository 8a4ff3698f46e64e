/**
 * Baselines for the RPC benchmark: what a person would write by hand.
 *
 * - bareRhea(): request/reply over the broker with plain rhea, one agent and
 *   one console connection, no framing beyond a JSON body and a string
 *   correlation id.
 * - xmlRpc(): func's transport, XML-RPC over HTTP with keep-alive.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import rhea from "rhea";
import type { Connection, ConnectionOptions, Container, EventContext, Message, Receiver, ReceiverOptions, Sender, SenderOptions } from "rhea";
import xmlrpc from "xmlrpc";

export interface Baseline {
  call: () => Promise<void>;
  close(): Promise<void>;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface BareRheaOptions {
  port: number;
  vhost: string;
  consoleUser: Credentials;
  agentUser: Credentials;
  /** Where the console sends requests and where the agent reads them (the agent's own queue, as our agents do). */
  requestTarget: string;
  requestSource: string;
  /**
   * How the agent addresses replies. "subject" (default): ONE sender on
   * /exchange/qmf.reply, routing key in the message subject. "per-address":
   * one sender per distinct reply_to address, opened on first use.
   */
  replyRouting?: "subject" | "per-address";
  /** Per-call timeout, ms; default 10 000. */
  callTimeoutMs?: number;
  /** Receiver prefetch; default 500. */
  prefetch?: number;
}

const REPLY_EXCHANGE = "/exchange/qmf.reply";
const OPEN_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 5_000;

function withTimeout<T>(what: string, ms: number, executor: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    executor(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function describe(context: EventContext): string {
  const err = context.error ?? context.receiver?.error ?? context.sender?.error ?? context.connection.error;
  if (err === undefined || err === null) return "unknown error";
  if (err instanceof Error) return err.message;
  const amqp = err as { condition?: unknown; description?: unknown };
  return `${String(amqp.condition)}: ${String(amqp.description)}`;
}

async function openConnection(container: Container, opts: BareRheaOptions, user: Credentials, label: string): Promise<Connection> {
  const options: ConnectionOptions = {
    host: "127.0.0.1",
    port: opts.port,
    hostname: `vhost:${opts.vhost}`,
    username: user.username,
    password: user.password,
    reconnect: false,
    container_id: `${label}-${randomBytes(3).toString("hex")}`,
  };
  const connection = container.connect(options);
  return await withTimeout<Connection>(`${label}: connection open`, OPEN_TIMEOUT_MS, (resolve, reject) => {
    connection.once("connection_open", () => resolve(connection));
    connection.once("connection_error", (ctx: EventContext) => reject(new Error(`${label}: connection error: ${describe(ctx)}`)));
    connection.once("disconnected", (ctx: EventContext) => reject(new Error(`${label}: disconnected while opening: ${describe(ctx)}`)));
  });
}

async function openReceiver(connection: Connection, options: ReceiverOptions, label: string): Promise<Receiver> {
  const receiver = connection.open_receiver(options);
  return await withTimeout<Receiver>(`${label}: receiver open`, OPEN_TIMEOUT_MS, (resolve, reject) => {
    receiver.once("receiver_open", () => resolve(receiver));
    receiver.once("receiver_error", (ctx: EventContext) => reject(new Error(`${label}: receiver error: ${describe(ctx)}`)));
  });
}

async function openSender(connection: Connection, options: SenderOptions, label: string): Promise<Sender> {
  const sender = connection.open_sender(options);
  return await withTimeout<Sender>(`${label}: sender open`, OPEN_TIMEOUT_MS, (resolve, reject) => {
    sender.once("sender_open", () => resolve(sender));
    sender.once("sender_error", (ctx: EventContext) => reject(new Error(`${label}: sender error: ${describe(ctx)}`)));
  });
}

async function closeConnection(connection: Connection | undefined): Promise<void> {
  if (connection === undefined || !connection.is_open()) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    connection.once("connection_close", done);
    connection.once("disconnected", done);
    connection.close();
  });
}

/** Bare rhea request/reply: an echo agent and a console with a pending-call map. */
export async function bareRhea(opts: BareRheaOptions): Promise<Baseline> {
  const container = rhea.create_container({ id: `bench-rhea-${randomBytes(3).toString("hex")}` });
  const consoleId = `bench-console-${randomBytes(4).toString("hex")}`;
  const replyAddress = `${REPLY_EXCHANGE}/${consoleId}`;
  const prefetch = opts.prefetch ?? 500;
  const callTimeoutMs = opts.callTimeoutMs ?? 10_000;
  const replyRouting = opts.replyRouting ?? "subject";
  const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let fatal: Error | undefined;

  const failAll = (err: Error): void => {
    fatal ??= err;
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(err);
    }
  };
  container.on("error", (err: unknown) => failAll(err instanceof Error ? err : new Error(String(err))));

  let agent: Connection | undefined;
  let consoleConn: Connection | undefined;
  try {
    // ---- agent (worker user): echo every request to its reply_to ----
    agent = await openConnection(container, opts, opts.agentUser, "agent");
    agent.on("connection_error", (ctx: EventContext) => failAll(new Error(`agent connection error: ${describe(ctx)}`)));
    agent.on("disconnected", (ctx: EventContext) => failAll(new Error(`agent disconnected: ${describe(ctx)}`)));
    const agentConn = agent;
    const replySenders = new Map<string, Sender>();
    const replySender = (address: string): Sender => {
      const key = replyRouting === "subject" ? REPLY_EXCHANGE : address;
      let sender = replySenders.get(key);
      if (sender === undefined) {
        sender = agentConn.open_sender({ target: { address: key } });
        sender.on("sender_error", (ctx: EventContext) => failAll(new Error(`agent reply sender error: ${describe(ctx)}`)));
        replySenders.set(key, sender);
      }
      return sender;
    };
    if (replyRouting === "subject") await openSender(agent, { target: { address: REPLY_EXCHANGE } }, "agent reply").then((s) => replySenders.set(REPLY_EXCHANGE, s));
    const agentReceiver = await openReceiver(agent, { source: { address: opts.requestSource }, credit_window: prefetch, autoaccept: true }, "agent");
    agentReceiver.on("receiver_error", (ctx: EventContext) => failAll(new Error(`agent receiver error: ${describe(ctx)}`)));
    agentReceiver.on("message", (ctx: EventContext) => {
      const request = ctx.message;
      if (request?.reply_to === undefined || request.correlation_id === undefined) return;
      const to = request.reply_to;
      const reply: Message = {
        correlation_id: request.correlation_id,
        content_type: "application/json",
        body: request.body as unknown,
      };
      if (replyRouting === "subject") {
        // RabbitMQ takes the routing key from the subject when the target is /exchange/X.
        reply.subject = to.startsWith(`${REPLY_EXCHANGE}/`) ? to.slice(REPLY_EXCHANGE.length + 1) : to;
      }
      replySender(to).send(reply);
    });

    // ---- console (headhunter user): reply queue + request sender ----
    consoleConn = await openConnection(container, opts, opts.consoleUser, "console");
    consoleConn.on("connection_error", (ctx: EventContext) => failAll(new Error(`console connection error: ${describe(ctx)}`)));
    consoleConn.on("disconnected", (ctx: EventContext) => failAll(new Error(`console disconnected: ${describe(ctx)}`)));
    const replies = await openReceiver(consoleConn, { source: { address: replyAddress }, credit_window: prefetch, autoaccept: true }, "console replies");
    replies.on("receiver_error", (ctx: EventContext) => failAll(new Error(`console reply receiver error: ${describe(ctx)}`)));
    replies.on("message", (ctx: EventContext) => {
      const id = ctx.message?.correlation_id;
      if (typeof id !== "string") return;
      const p = pending.get(id);
      if (p === undefined) return;
      pending.delete(id);
      clearTimeout(p.timer);
      p.resolve();
    });
    const requests = await openSender(consoleConn, { target: { address: opts.requestTarget } }, "console requests");
    requests.on("sender_error", (ctx: EventContext) => failAll(new Error(`console request sender error: ${describe(ctx)}`)));

    let seq = 0;
    const call = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        if (fatal !== undefined) {
          reject(fatal);
          return;
        }
        const id = `${consoleId}:${++seq}`;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`bare rhea call ${id} timed out after ${callTimeoutMs} ms`));
        }, callTimeoutMs);
        pending.set(id, { resolve, reject, timer });
        requests.send({
          correlation_id: id,
          reply_to: replyAddress,
          content_type: "application/json",
          body: JSON.stringify({ method: "ping", args: [seq] }),
        });
      });

    const a = agent;
    const c = consoleConn;
    return {
      call,
      async close(): Promise<void> {
        failAll(new Error("bare rhea baseline closed"));
        await Promise.all([closeConnection(c), closeConnection(a)]);
      },
    };
  } catch (err) {
    await Promise.all([closeConnection(consoleConn), closeConnection(agent)]);
    throw err;
  }
}

type XmlRpcClientOptions = Exclude<Parameters<typeof xmlrpc.createClient>[0], string>;

/** XML-RPC over HTTP on 127.0.0.1 with a keep-alive client: `build.ping` echoes its args. */
export async function xmlRpc(): Promise<Baseline> {
  const server = xmlrpc.createServer({ host: "127.0.0.1", port: 0 });
  server.on("build.ping", (_err: unknown, params: unknown[], callback: (error: unknown, value: unknown) => void) => {
    callback(null, params);
  });
  await new Promise<void>((resolve, reject) => {
    if (server.httpServer.listening) {
      resolve();
      return;
    }
    server.httpServer.once("listening", resolve);
    server.httpServer.once("error", reject);
  });
  const { port } = server.httpServer.address() as AddressInfo;

  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  // The xmlrpc client hands its options to http.request, so `agent` is honoured
  // even though @types/xmlrpc does not declare it.
  const clientOptions: XmlRpcClientOptions & { agent: http.Agent } = { host: "127.0.0.1", port, path: "/", agent };
  const client = xmlrpc.createClient(clientOptions);

  let seq = 0;
  const call = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      client.methodCall("build.ping", [{ method: "ping", args: [++seq] }], (error: unknown) => {
        if (error === null || error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error(`xmlrpc fault: ${JSON.stringify(error)}`));
      });
    });

  return {
    call,
    async close(): Promise<void> {
      agent.destroy();
      const httpServer = server.httpServer as http.Server;
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
