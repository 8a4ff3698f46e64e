import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { infraDir } from "./paths.ts";

/** The parts of infra/rabbitmq/definitions.json the test kit reads. */
export interface Definitions {
  users: { name: string; password_hash: string; hashing_algorithm: string; tags: string[] }[];
  vhosts: { name: string }[];
  permissions: { user: string; vhost: string; configure: string; write: string; read: string }[];
  topic_permissions: { user: string; vhost: string; exchange: string; write: string; read: string }[];
  policies: { vhost: string; name: string; pattern: string; "apply-to": string; priority: number; definition: Record<string, unknown> }[];
  exchanges: { name: string; vhost: string; type: string; durable: boolean; auto_delete: boolean; internal: boolean; arguments: Record<string, unknown> }[];
  [key: string]: unknown;
}

/** The vhost of definitions.json whose setup createVhost() copies. */
const TEMPLATE_VHOST = "copr";

/** Reads and parses infra/rabbitmq/definitions.json (a fresh copy each call). */
export async function readDefinitions(): Promise<Definitions> {
  return JSON.parse(await readFile(join(infraDir, "rabbitmq/definitions.json"), "utf8")) as Definitions;
}

export interface ManagementClientOptions {
  /** Port of the management HTTP API on 127.0.0.1. */
  port: number;
  /** An administrator of the broker, normally copr-admin. */
  username: string;
  password: string;
  /** Definitions to copy vhost setup from; default: read infra/rabbitmq/definitions.json on first use. */
  definitions?: Definitions;
}

/**
 * A minimal client of RabbitMQ's management HTTP API: enough to create and
 * delete vhosts set up like the production vhost "copr".
 */
export class ManagementClient {
  readonly port: number;
  readonly #authorization: string;
  #definitions: Promise<Definitions> | undefined;

  constructor(options: ManagementClientOptions) {
    this.port = options.port;
    this.#authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
    this.#definitions = options.definitions === undefined ? undefined : Promise.resolve(options.definitions);
  }

  /** Calls the management API; path starts with /api/. */
  async request(method: string, path: string, body?: unknown): Promise<Response> {
    return await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      headers: { authorization: this.#authorization, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async #requestOk(method: string, path: string, body?: unknown): Promise<void> {
    const res = await this.request(method, path, body);
    const text = await res.text();
    if (!res.ok) throw new Error(`RabbitMQ management ${method} ${path} failed: ${res.status} ${text}`);
  }

  /**
   * Creates a vhost with the same exchanges, permissions, topic permissions
   * and policies that definitions.json gives the production vhost "copr".
   */
  async createVhost(name: string): Promise<void> {
    this.#definitions ??= readDefinitions();
    const d = await this.#definitions;
    const v = encodeURIComponent(name);
    await this.#requestOk("PUT", `/api/vhosts/${v}`, {});
    for (const p of d.permissions.filter((x) => x.vhost === TEMPLATE_VHOST)) {
      await this.#requestOk("PUT", `/api/permissions/${v}/${encodeURIComponent(p.user)}`, { configure: p.configure, write: p.write, read: p.read });
    }
    for (const e of d.exchanges.filter((x) => x.vhost === TEMPLATE_VHOST)) {
      await this.#requestOk("PUT", `/api/exchanges/${v}/${encodeURIComponent(e.name)}`, {
        type: e.type, durable: e.durable, auto_delete: e.auto_delete, internal: e.internal, arguments: e.arguments,
      });
    }
    for (const t of d.topic_permissions.filter((x) => x.vhost === TEMPLATE_VHOST)) {
      await this.#requestOk("PUT", `/api/topic-permissions/${v}/${encodeURIComponent(t.user)}`, { exchange: t.exchange, write: t.write, read: t.read });
    }
    for (const p of d.policies.filter((x) => x.vhost === TEMPLATE_VHOST)) {
      await this.#requestOk("PUT", `/api/policies/${v}/${encodeURIComponent(p.name)}`, {
        pattern: p.pattern, definition: p.definition, priority: p.priority, "apply-to": p["apply-to"],
      });
    }
  }

  /** Deletes a vhost with everything in it; a vhost that does not exist is fine. */
  async deleteVhost(name: string): Promise<void> {
    const res = await this.request("DELETE", `/api/vhosts/${encodeURIComponent(name)}`);
    const text = await res.text();
    if (!res.ok && res.status !== 404) throw new Error(`deleting vhost ${name} failed: ${res.status} ${text}`);
  }

  /** Whether the vhost exists. */
  async vhostExists(name: string): Promise<boolean> {
    const res = await this.request("GET", `/api/vhosts/${encodeURIComponent(name)}`);
    const text = await res.text();
    if (res.status === 404) return false;
    if (!res.ok) throw new Error(`reading vhost ${name} failed: ${res.status} ${text}`);
    return true;
  }
}
