import type { BusLogger } from "@copr/bus";
import type { BuilderHost } from "./builderConnection.ts";
import type { Connect } from "./buildRunner.ts";
import { PROBE_SCRIPT, SandboxUnavailableError, sandboxFromProbe, type SandboxKind } from "./sandbox.ts";

/**
 * Checks at start that every builder host can run builds in a sandbox.
 * A host that answers and cannot is refused: the worker does not start, and
 * the error says what to install or enable there. A host that does not
 * answer now is only logged; each build checks its host again anyway.
 */
export async function probeHosts(hosts: readonly BuilderHost[], connect: Connect, log: BusLogger): Promise<Map<string, SandboxKind>> {
  const found = new Map<string, SandboxKind>();
  for (const host of hosts) {
    let answer: string;
    try {
      const connection = await connect(host);
      try {
        answer = (await connection.exec(PROBE_SCRIPT)).stdout;
      } finally {
        await Promise.resolve(connection.close()).catch(() => undefined);
      }
    } catch (error) {
      log.warn({ host: host.name, err: error instanceof Error ? error.message : String(error) }, "builder host not reachable at start; its sandbox is checked before each build");
      continue;
    }
    const kind = sandboxFromProbe(host.name, answer); // throws SandboxUnavailableError
    found.set(host.name, kind);
    log.info({ host: host.name, sandbox: kind }, "builder host can sandbox builds");
  }
  return found;
}

export { SandboxUnavailableError };
