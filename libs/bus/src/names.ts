import { BusError } from "./errors.ts";

/** One dot-free word of a routing key: letters, digits, '_' and '-'. */
const WORD = /^[A-Za-z0-9_-]+$/;
/** A domain: dot-separated words, e.g. "org.fedoraproject.copr.build". */
const DOMAIN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function assertWord(kind: string, value: string): string {
  if (!WORD.test(value)) {
    throw new BusError("INVALID_NAME", `${kind} "${value}" must be letters, digits, "_" or "-" (no dots, slashes or spaces)`);
  }
  return value;
}

export function assertDomain(value: string): string {
  if (!DOMAIN.test(value)) {
    throw new BusError("INVALID_NAME", `domain "${value}" must be dot-separated words of letters, digits, "_" or "-"`);
  }
  return value;
}

/** An agent name `vendor:product:instance`, each part a word. */
export interface AgentName {
  vendor: string;
  product: string;
  instance: string;
}

export function parseAgentName(name: string): AgentName {
  const parts = name.split(":");
  if (parts.length !== 3) {
    throw new BusError("INVALID_NAME", `agent name "${name}" must be vendor:product:instance`);
  }
  const [vendor, product, instance] = parts as [string, string, string];
  assertWord("agent vendor", vendor);
  assertWord("agent product", product);
  assertWord("agent instance", instance);
  return { vendor, product, instance };
}

export function formatAgentName(n: AgentName): string {
  return `${n.vendor}:${n.product}:${n.instance}`;
}
