import { join, resolve } from "node:path";
import { resultDirName } from "@copr/repo";
import { CliError } from "../cliErrors.ts";
import { defineCommand, parseBuildId } from "../command.ts";
import { downloadFile, listResultFiles } from "../download.ts";
import { bytes } from "../format.ts";
import { printJson } from "../io.ts";

export const downloadBuildCommand = defineCommand({
  name: "download-build",
  summary: "Download the result files (RPMs, logs) of a build, one directory per chroot.",
  args: ["ID"],
  options: { dest: { type: "string", arg: "DIR", help: "put the files into DIR/CHROOT/; default: the current directory" } },
  async run({ io, json, config, client }, [idText = ""], values) {
    const view = await client.builds.get.query({ id: parseBuildId(idText) });
    const dest = resolve(values.dest ?? ".");
    const b = view.build;
    const files: { chroot: string; name: string; path: string; size: number }[] = [];
    const missing: string[] = [];
    for (const task of view.tasks) {
      const listing = `${config.url}/results/${encodeURIComponent(b.owner)}/${encodeURIComponent(b.project)}/${encodeURIComponent(task.chroot)}/${resultDirName(b.id, b.srpm.name)}/`;
      const entries = await listResultFiles(config, listing);
      if (entries === null || entries.length === 0) {
        missing.push(task.chroot);
        if (!json) io.stderr(`${task.chroot}: no results (${task.state})\n`);
        continue;
      }
      for (const entry of entries) {
        const dir = join(dest, task.chroot);
        const size = await downloadFile(config, entry.url, dir, entry.name);
        files.push({ chroot: task.chroot, name: entry.name, path: join(dir, entry.name), size });
        if (!json) io.stdout(`${task.chroot}/${entry.name} (${bytes(size)})\n`);
      }
    }
    if (json) printJson(io, { build: b.id, dest, files, missing });
    if (files.length === 0) throw new CliError("FAILED", `build ${b.id} has no result files yet (state: ${view.state})`);
    return 0;
  },
});
