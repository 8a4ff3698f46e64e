import { randomUUID } from "node:crypto";
import rhea, { type Message } from "rhea";
import { BusError } from "./errors.ts";

/** Encodes a JSON payload as one AMQP data section (bytes for AMQP 0-9-1 consumers too). */
export function jsonMessage(payload: unknown, fields: Omit<Message, "body"> = {}): Message {
  return {
    creation_time: new Date(),
    content_type: "application/json",
    ...fields,
    message_id: fields.message_id ?? randomUUID(),
    body: dataSection(Buffer.from(JSON.stringify(payload), "utf8")),
  };
}

/** An AMQP data section holding `bytes` (rhea's helper is untyped). */
export function dataSection(bytes: Buffer): unknown {
  return (rhea.message as unknown as { data_section(b: Buffer): unknown }).data_section(bytes);
}

/** Decodes the JSON body of a message; INVALID_MESSAGE when it is not JSON. */
export function decodeJson(message: Message): unknown {
  const body: unknown = message.body;
  let text: string;
  if (typeof body === "string") text = body;
  else if (Buffer.isBuffer(body)) text = body.toString("utf8");
  else if (typeof body === "object" && body !== null && Buffer.isBuffer((body as { content?: unknown }).content)) {
    text = (body as { content: Buffer }).content.toString("utf8");
  } else {
    throw new BusError("INVALID_MESSAGE", "message body is not a JSON data section or string");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new BusError("INVALID_MESSAGE", `message body is not valid JSON: ${text.slice(0, 80)}`, { cause });
  }
}

/** The routing key a message was published with (subject, or RabbitMQ's x-routing-key annotation). */
export function routingKeyOf(message: Message): string | undefined {
  if (typeof message.subject === "string") return message.subject;
  const annotations: unknown = message.message_annotations;
  const annotated = typeof annotations === "object" && annotations !== null ? (annotations as Record<string, unknown>)["x-routing-key"] : undefined;
  return typeof annotated === "string" ? annotated : undefined;
}

export type HeaderValue = string | number | boolean;
export type Headers = Record<string, HeaderValue>;

export function applicationProperties(message: Message): Record<string, unknown> {
  return (message.application_properties as Record<string, unknown> | undefined) ?? {};
}

/**
 * The broker user a message was published by. The broker checks `user_id`
 * against the login of the connection that sent it (RabbitMQ's validated
 * user-id), so a message that carries one cannot lie about its sender.
 */
export function userIdOf(message: Message): string | undefined {
  const id: unknown = message.user_id;
  if (Buffer.isBuffer(id)) return id.toString("utf8");
  return typeof id === "string" ? id : undefined;
}
