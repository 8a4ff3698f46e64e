import { CliError } from "../cliErrors.ts";
import { defineCommand, parsePositive } from "../command.ts";
import { printJson } from "../io.ts";

export const shareCommand = defineCommand({
  name: "share",
  summary: "Show an owner's fair-share weight, or set it (admins only): an owner with share 3 gets three times the builder time of one with share 1.",
  args: ["OWNER", "[SHARE]"],
  options: {},
  description: "SHARE is a positive number; 1 is the default. See docs/scheduling.md.",
  async run({ io, json, client }, [owner = "", shareText]) {
    if (owner === "") throw new CliError("USAGE", "give the OWNER whose share to show or set");
    const result = shareText === undefined
      ? await client.shares.get.query({ owner })
      : await client.shares.set.mutate({ owner, share: parsePositive(shareText, "SHARE") });
    if (json) printJson(io, result);
    else io.stdout(`${result.owner}: share ${result.share}\n`);
    return 0;
  },
});
