import type { BuilderConnection, BuilderHost } from "../build/builderConnection.ts";
import { BuilderSession } from "./builderHost.ts";

/** Opens an SSH session to a configured builder host (pinned host key, key auth). */
export async function connectBuilder(host: BuilderHost): Promise<BuilderConnection> {
  return await BuilderSession.connect(host, { timeoutMs: 20_000 });
}
