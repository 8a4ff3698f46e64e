import { defineCommand } from "../command.ts";
import { CliError } from "../cliErrors.ts";
import { printJson } from "../io.ts";

export const createCommand = defineCommand({
  name: "create",
  summary: "Create a project of yours that builds for the given chroots.",
  args: ["NAME"],
  options: {
    chroot: { type: "string", multiple: true, arg: "CHROOT", help: "a chroot to build for, e.g. fedora-40-x86_64 (repeat for more; at least one)" },
  },
  async run({ io, json, client }, [name = ""], values) {
    const chroots = values.chroot ?? [];
    if (chroots.length === 0) throw new CliError("USAGE", "give at least one --chroot CHROOT");
    const project = await client.projects.create.mutate({ name, chroots });
    if (json) printJson(io, project);
    else io.stdout(`New project ${project.owner}/${project.name} created with chroots: ${project.chroots.join(", ")}\n`);
    return 0;
  },
});
