import { inject } from "vitest";
import { busNamespace, type BrokerUser, type BusNamespace } from "@copr/testkit";
export { until } from "@copr/testkit";
import { BusConnection, defaultLogger, parseBusConfig, silentLogger, type AgentCredentials, type BusConfigInput } from "@copr/bus";

/** The shared services of this test run (started by the global setup). */
export function services(): ReturnType<typeof inject<"services">> {
  return inject("services");
}

/** A vhost of its own for one test. */
export async function namespace(): Promise<BusNamespace & AsyncDisposable> {
  return await busNamespace(services());
}

/** Opens a bus connection inside the namespace as a component's `user`, or as an agent with its own credentials (BusNamespace.agent). */
export async function openBus(
  ns: Pick<BusNamespace, "vhost" | "amqpPort" | "managementPort" | "credentials">,
  user: BrokerUser | AgentCredentials,
  extra: Partial<BusConfigInput> = {},
): Promise<BusConnection & AsyncDisposable> {
  const { username, password } = typeof user === "string" ? ns.credentials(user) : user;
  const config = parseBusConfig({
    host: "127.0.0.1",
    port: ns.amqpPort,
    vhost: ns.vhost,
    username,
    password,
    managementUrl: `http://127.0.0.1:${ns.managementPort}`,
    reconnectMaxDelayMs: 500,
    ...extra,
  });
  const bus = await BusConnection.open(config, { logger: process.env.BUS_TEST_LOG === "1" ? defaultLogger(username) : silentLogger });
  return Object.assign(bus, { [Symbol.asyncDispose]: () => bus.close() });
}
