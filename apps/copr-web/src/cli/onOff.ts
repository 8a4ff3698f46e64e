import { CliError } from "./cliErrors.ts";

/** Reads an `on`/`off` option (as copr-cli's --enable-net takes it); absent = undefined. Throws CliError USAGE. */
export function onOffOption(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "on") return true;
  if (value === "off") return false;
  throw new CliError("USAGE", `--${name} takes on or off, not ${JSON.stringify(value)}`);
}
