import { defineCommand } from "../command.ts";
import { printJson } from "../io.ts";

export const whoamiCommand = defineCommand({
  name: "whoami",
  summary: "Show the user the configured token belongs to.",
  args: [],
  options: {},
  async run({ io, json, client }) {
    const me = await client.whoami.query();
    if (json) printJson(io, me);
    else io.stdout(`${me.name}${me.admin ? " (admin)" : ""}\n`);
    return 0;
  },
});
