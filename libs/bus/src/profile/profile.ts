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
  requestTarget(agentKey: string): string;
  /** Receiver source where an agent gets its requests. */
  requestSource(agentKey: string): string;
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
