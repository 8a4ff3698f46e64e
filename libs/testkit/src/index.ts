export { RabbitMqInstance, brokerUsers, type BrokerUser } from "./rabbitmq.ts";
export { RedisInstance, redisUsers, type RedisUser } from "./redis.ts";
export { freePort } from "./ports.ts";
export { busNamespace, redisNamespace, type SharedServices, type BusNamespace, type RedisNamespace } from "./namespace.ts";
export { ManagementClient } from "./management.ts";
export { rpmbuild } from "./rpmbuild.ts";
export { SshdInstance, type SshdOptions } from "./sshd.ts";
export { readDocTable, tableCells } from "./docTable.ts";
export { until } from "./until.ts";
