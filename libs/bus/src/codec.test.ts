import type { Message } from "rhea";
import { describe, expect, it } from "vitest";
import { applicationProperties, dataSection, decodeJson, jsonMessage, routingKeyOf } from "./codec.ts";
import { BusError } from "./errors.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeError(message: Message): string | undefined {
  try {
    decodeJson(message);
  } catch (error) {
    return error instanceof BusError ? error.code : `not a BusError: ${String(error)}`;
  }
  return undefined;
}

describe("jsonMessage", () => {
  it("sets a UUID message_id, creation_time, content_type and a data-section body", () => {
    const payload = { primary_uid: "u1", n: 3, nested: { list: [1, "two", null] }, text: "žluťoučký" };
    const before = Date.now();
    const message = jsonMessage(payload);
    expect(message.message_id).toMatch(UUID);
    expect(message.creation_time).toBeInstanceOf(Date);
    expect((message.creation_time as Date).getTime()).toBeGreaterThanOrEqual(before);
    expect((message.creation_time as Date).getTime()).toBeLessThanOrEqual(Date.now());
    expect(message.content_type).toBe("application/json");
    const body = message.body as { typecode?: unknown; content?: unknown };
    expect(body.typecode).toBe(0x75); // AMQP data section
    expect(Buffer.isBuffer(body.content)).toBe(true);
    expect(decodeJson(message)).toEqual(payload);
  });

  it("gives each message its own id", () => {
    expect(jsonMessage({}).message_id).not.toBe(jsonMessage({}).message_id);
  });

  it("keeps a given message_id and other fields", () => {
    const message = jsonMessage([1, 2], { message_id: "req-1", subject: "a.b", durable: true, application_properties: { k: "v" } });
    expect(message.message_id).toBe("req-1");
    expect(message.subject).toBe("a.b");
    expect(message.durable).toBe(true);
    expect(applicationProperties(message)).toEqual({ k: "v" });
    expect(decodeJson(message)).toEqual([1, 2]);
  });

  it("never lets fields replace the body", () => {
    const fields = { body: "overridden" } as unknown as Parameters<typeof jsonMessage>[1];
    expect(decodeJson(jsonMessage({ a: 1 }, fields))).toEqual({ a: 1 });
  });
});

describe("decodeJson", () => {
  it("accepts string bodies", () => {
    expect(decodeJson({ body: '{"a":[1,true]}' })).toEqual({ a: [1, true] });
  });

  it("accepts Buffer bodies", () => {
    expect(decodeJson({ body: Buffer.from('{"a":"é"}', "utf8") })).toEqual({ a: "é" });
  });

  it("accepts data sections", () => {
    expect(decodeJson({ body: dataSection(Buffer.from("42")) })).toBe(42);
  });

  it.each([
    ["a non-JSON string", "not json"],
    ["a non-JSON Buffer", Buffer.from("{broken")],
    ["an empty string", ""],
    ["a non-JSON data section", dataSection(Buffer.from("<xml/>"))],
  ])("throws INVALID_MESSAGE for %s", (_what, body) => {
    expect(decodeError({ body })).toBe("INVALID_MESSAGE");
  });

  it.each([
    ["a number", 42],
    ["a plain object", { a: 1 }],
    ["an array", [1, 2]],
    ["null", null],
    ["undefined", undefined],
    ["an object whose content is not a Buffer", { content: "text" }],
  ])("throws INVALID_MESSAGE for %s", (_what, body) => {
    expect(decodeError({ body })).toBe("INVALID_MESSAGE");
  });
});

describe("routingKeyOf", () => {
  it("prefers subject", () => {
    expect(routingKeyOf({ body: null, subject: "a.b.c", message_annotations: { "x-routing-key": "x.y" } })).toBe("a.b.c");
  });

  it("falls back to the x-routing-key annotation", () => {
    expect(routingKeyOf({ body: null, message_annotations: { "x-routing-key": "x.y" } })).toBe("x.y");
  });

  it("is undefined without either", () => {
    expect(routingKeyOf({ body: null })).toBeUndefined();
    expect(routingKeyOf({ body: null, message_annotations: { "x-exchange": "amq.topic" } })).toBeUndefined();
    expect(routingKeyOf({ body: null, message_annotations: { "x-routing-key": 7 } })).toBeUndefined();
  });
});

describe("applicationProperties", () => {
  it("is an empty object when the message has none", () => {
    expect(applicationProperties({ body: null })).toEqual({});
  });
});
