import { defineCommand } from "../command.ts";
import { CliError } from "../cliErrors.ts";
import { onOffOption } from "../onOff.ts";
import { printJson } from "../io.ts";
import { resolveProject } from "../projectRef.ts";

export const createCommand = defineCommand({
  name: "create",
  summary: "Create a project of yours that builds for the given chroots.",
  args: ["NAME"],
  options: {
    chroot: { type: "string", multiple: true, arg: "CHROOT", help: "a chroot to build for, e.g. fedora-40-x86_64 (repeat for more; at least one)" },
    "enable-net": { type: "string", arg: "on|off", help: "let this project's builds use the network (default off: a build sees no network)" },
    "auto-prune": { type: "string", arg: "on|off", help: "remove old builds' results once a newer build of the package succeeded (default on, as in Copr)" },
  },
  async run({ io, json, client }, [name = ""], values) {
    const chroots = values.chroot ?? [];
    if (chroots.length === 0) throw new CliError("USAGE", "give at least one --chroot CHROOT");
    const enableNet = onOffOption(values["enable-net"], "enable-net");
    const autoPrune = onOffOption(values["auto-prune"], "auto-prune");
    const project = await client.projects.create.mutate({
      name, chroots, ...(enableNet === undefined ? {} : { enableNet }), ...(autoPrune === undefined ? {} : { autoPrune }),
    });
    if (json) printJson(io, project);
    else io.stdout(`New project ${project.owner}/${project.name} created with chroots: ${project.chroots.join(", ")}; network ${project.enableNet === true ? "on" : "off"}\n`);
    return 0;
  },
});

export const deleteCommand = defineCommand({
  name: "delete",
  summary: "Delete a project with all its builds and results (owner or admin); queued and running builds are canceled first.",
  args: ["PROJECT"],
  options: {},
  async run({ io, json, client }, [text = ""]) {
    const ref = await resolveProject(client, text);
    const result = await client.projects.delete.mutate(ref);
    if (json) printJson(io, result);
    else io.stdout(`Project ${result.deleted} has been deleted.\n`);
    return 0;
  },
});
