import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { CliError } from "./cliErrors.ts";
import { parseIni } from "./ini.ts";

/** Where copr-cli keeps its config, like Fedora's: `~/.config/copr`. */
export const DEFAULT_CONFIG_DISPLAY = "~/.config/copr";

const SECTION = "copr-cli";

const schema = z.object({
  /** Base URL of copr-web, e.g. http://127.0.0.1:8080 (no default). */
  copr_url: z.url({ protocol: /^https?$/, error: "copr_url must be an http:// or https:// URL" }).transform((u) => u.replace(/\/+$/, "")),
  /** API token of the user (no default; an admin creates it with `copr-web admin create-user`). */
  token: z.string().trim().min(1, "token is empty"),
});

/** The client's settings, read once at start and frozen. */
export interface CliConfig {
  /** copr-web base URL without a trailing slash. */
  readonly url: string;
  readonly token: string;
  /** The file it came from, for messages. */
  readonly path: string;
  /** How to name that file in messages: `~/.config/copr` unless --config was given. */
  readonly displayPath: string;
}

function example(): string {
  return `[${SECTION}]\ncopr_url = http://127.0.0.1:8080\ntoken = <your API token>`;
}

/** Reads and validates the config: `file` (from --config) or `~/.config/copr`. Throws CliError CONFIG. */
export async function loadCliConfig(file?: string): Promise<CliConfig> {
  const path = file ?? join(homedir(), ".config", "copr");
  const displayPath = file ?? DEFAULT_CONFIG_DISPLAY;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : `cannot read it (${(error as Error).message})`;
    throw new CliError("CONFIG", `no copr config at ${path}: ${why}; create ${displayPath} with:\n\n${example()}\n`, { cause: error });
  }
  const { sections, errors } = parseIni(text);
  if (errors.length > 0) throw new CliError("CONFIG", `${path} is not a valid INI file: ${errors.join("; ")}; it should look like:\n\n${example()}\n`);
  const section = sections.get(SECTION);
  if (section === undefined) throw new CliError("CONFIG", `${path} has no [${SECTION}] section; create ${displayPath} with:\n\n${example()}\n`);
  const parsed = schema.safeParse(Object.fromEntries(section));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length > 0 && i.code === "invalid_type" ? `${i.path.join(".")} is missing` : i.message));
    throw new CliError("CONFIG", `${path}: ${problems.join("; ")}; create ${displayPath} with:\n\n${example()}\n`);
  }
  return Object.freeze({ url: parsed.data.copr_url, token: parsed.data.token, path, displayPath });
}
