// Public surface of @copr/bus. Named exports only.
export { BusConnection, type BusConnectionEvents, type BusConnectionOptions } from "./connection.ts";
export { parseBusConfig, busConfigSchema, brokerNodes, managementUrls, usesQuorumQueues, type BusConfig, type BusConfigInput, type BrokerNode } from "./config.ts";
export { BusError, BUS_ERROR_CODES, BUS_ERROR_RETRYABLE, type BusErrorCode } from "./errors.ts";
export { type BusLogger, defaultLogger, silentLogger } from "./logger.ts";
export { type BrokerProfile } from "./profile/profile.ts";
export { rabbitMq3Profile, type RabbitMq3Options } from "./profile/rabbitmq3.ts";
export { Signals, type SignalHandlers, type SignalMeta, type SubscribeOptions, type Subscription } from "./signals.ts";
export {
  defineDomain, signalCatalog, workerBuildDomain, coprBuildDomain, coprChrootDomain, headhunterDomain, repoDomain,
  type SignalDomain,
} from "./catalog.ts";
export { dataSection, jsonMessage, type Headers, type HeaderValue } from "./codec.ts";
export { parseAgentName, formatAgentName, type AgentName } from "./names.ts";
export { Agent, DESCRIBE_METHOD, type AgentOptions, type MethodSpec, type MethodContext } from "./rpc/agent.ts";
export { AgentMethodError, RemoteMethodError } from "./rpc/agentError.ts";
export { Console, type CallOptions, type ConsoleOptions } from "./rpc/console.ts";
export { AgentRegistry, type AgentInfo, type AgentRegistryEvents } from "./rpc/registry.ts";
export { OPCODES, HEARTBEAT_TOPIC, LOCATE_TOPIC } from "./rpc/envelope.ts";
export { type BrokerAdmin, type AgentCredentials } from "./profile/profile.ts";
export { RabbitMq3Admin, type RabbitMq3AdminOptions } from "./profile/rabbitmq3Admin.ts";
export { agentQueueName } from "./profile/rabbitmq3.ts";
export { userIdOf } from "./codec.ts";
