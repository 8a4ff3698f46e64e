import { z } from "zod";

/** QMF v2 application properties. */
export const APP_ID = "x-amqp-0-10.app-id";
export const APP_ID_QMF2 = "qmf2";
export const OPCODE = "qmf.opcode";
export const AGENT = "qmf.agent";
/** Optional: requests with the same key run once per agent (default key: the correlation id). */
export const IDEMPOTENCY_KEY = "copr.idempotency_key";

export const OPCODES = {
  methodRequest: "_method_request",
  methodResponse: "_method_response",
  exception: "_exception",
  heartbeat: "_agent_heartbeat_indication",
  locateRequest: "_agent_locate_request",
  locateResponse: "_agent_locate_response",
} as const;
export type Opcode = (typeof OPCODES)[keyof typeof OPCODES];

/** Where agents announce themselves; consoles bind `agent.ind.heartbeat.#`. */
export const HEARTBEAT_TOPIC = "agent.ind.heartbeat";
/**
 * Routing key of agent-locate broadcasts on the request path: every agent's
 * request queue is bound to it as well as to the agent's own name.
 */
export const LOCATE_TOPIC = "console.request.agent_locate";

export const methodRequestBody = z.object({
  _object_id: z.object({ _agent_name: z.string().min(1) }),
  _method_name: z.string().min(1),
  _arguments: z.record(z.string(), z.unknown()).default({}),
});
export type MethodRequestBody = z.output<typeof methodRequestBody>;

export const methodResponseBody = z.object({ _arguments: z.unknown() });

export const exceptionBody = z.object({
  _values: z.object({ error_code: z.string().min(1), error_text: z.string() }),
});

/** Heartbeat and agent-locate response body. Times in ms since the epoch, interval in ms. */
export const agentInfoBody = z.object({
  _values: z
    .object({
      _timestamp: z.number(),
      _heartbeat_interval: z.number().int().positive(),
      _epoch: z.number().int().min(0),
      capabilities: z.record(z.string(), z.unknown()).default({}),
      slots: z.object({ total: z.number().int().min(0), used: z.number().int().min(0) }).optional(),
    })
    .loose(),
});
export type AgentInfoBody = z.output<typeof agentInfoBody>;
