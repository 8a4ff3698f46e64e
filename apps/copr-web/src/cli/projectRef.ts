import { CliError } from "./cliErrors.ts";
import type { CoprClient } from "./client.ts";

export interface ProjectRef {
  owner: string;
  name: string;
}

/** `NAME` (owned by the token's user, asked from the server) or `OWNER/NAME`. Throws CliError USAGE. */
export async function resolveProject(client: CoprClient, text: string): Promise<ProjectRef> {
  const parts = text.split("/");
  if (parts.length > 2 || parts.some((p) => p === "")) throw new CliError("USAGE", `"${text}" is not a project: give NAME or OWNER/NAME`);
  const [first = "", second] = parts;
  if (second !== undefined) return { owner: first, name: second };
  const me = await client.whoami.query();
  return { owner: me.name, name: first };
}
