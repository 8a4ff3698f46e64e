/**
 * Every broker-specific address rule lives behind this interface; another
 * AMQP 1.0 broker (RabbitMQ 4, Qpid) is a new implementation, not a rewrite.
 */
export interface BrokerProfile {
  readonly name: string;
  /** Sender target that publishes a signal with this routing key. */
  signalTarget(routingKey: string): string;
  /** Receiver source for a transient topic subscription (wildcards `*`, `#`). */
  topicSource(bindingKey: string): string;
  /** Receiver source of a durable named queue (see `ensureDurableQueue`). */
  queueSource(queue: string): string;
  /** Sender target that delivers RPC requests to one agent. */
  requestTarget(agentName: string): string;
  /** Sender target of agent-locate broadcasts (they reach every agent's request source). */
  locateTarget(): string;
  /**
   * Receiver source where an agent gets its requests and locate broadcasts:
   * a queue only that agent's broker user may read, created with the agent
   * (see BrokerAdmin.addAgent).
   */
  requestSource(agentName: string): string;
  /** Address consoles put in `reply_to`; also the receiver source of replies. */
  replyAddress(consoleId: string): string;
  /** Whether `address` is a reply address an agent may answer to. */
  isReplyAddress(address: string): boolean;
  /**
   * Declares a durable named queue bound to the signal exchange with these
   * keys (idempotent). Brokers whose AMQP 1.0 link attach can do this
   * themselves may implement it as a no-op.
   */
  ensureDurableQueue(queue: string, bindingKeys: readonly string[]): Promise<void>;
}

/** A broker user of one agent, as BrokerAdmin.addAgent made it. */
export interface AgentCredentials {
  username: string;
  password: string;
}

/**
 * Creates and removes agents' broker identities: a user per agent (named
 * like the agent), its private request queue, and permissions that let it
 * read only that queue, publish only its own heartbeat and its domain's
 * reports, and answer only on the reply path.
 */
export interface BrokerAdmin {
  /** Creates (or resets) the agent's user, queue and permissions; returns its password. */
  addAgent(agentName: string, options?: { password?: string }): Promise<AgentCredentials>;
  /** Removes the agent's queue and permissions here, and its user once it has no permissions left anywhere. Idempotent. */
  removeAgent(agentName: string): Promise<void>;
}
