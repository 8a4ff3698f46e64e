import type { TestProject } from "vitest/node";
import type { SharedServices } from "./namespace.ts";
import { RabbitMqInstance } from "./rabbitmq.ts";
import { RedisInstance } from "./redis.ts";

declare module "vitest" {
  export interface ProvidedContext {
    services: SharedServices;
  }
}

/**
 * Vitest global setup of the "int" project: one private RabbitMQ node and one
 * private Redis server for the whole run. Test files get the connection data
 * with inject("services") and isolate themselves with busNamespace() /
 * redisNamespace().
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [rabbit, redis] = await Promise.allSettled([RabbitMqInstance.start(), RedisInstance.start()]);
  const started = [rabbit, redis].flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const teardown = async (): Promise<void> => {
    const results = await Promise.allSettled(started.map((s) => s.close()));
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (errors.length > 0) {
      for (const err of errors) console.error("testkit global teardown:", err);
      throw new AggregateError(errors, `closing ${errors.length} shared service(s) failed`);
    }
  };
  if (rabbit.status === "rejected" || redis.status === "rejected") {
    await teardown().catch(() => undefined);
    const errors = [rabbit, redis].flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    throw new AggregateError(errors, `starting the shared services failed: ${errors.map(String).join("; ")}`);
  }
  const services: SharedServices = {
    amqpPort: rabbit.value.amqpPort,
    managementPort: rabbit.value.managementPort,
    passwords: { ...rabbit.value.passwords },
    redisUrls: redis.value.urls,
  };
  project.provide("services", services);
  return teardown;
}
