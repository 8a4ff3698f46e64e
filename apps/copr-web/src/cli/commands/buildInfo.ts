import { DEFAULT_BUILD_TIMEOUT_S } from "@copr/domain";
import { CliError } from "../cliErrors.ts";
import { defineCommand, parseBuildId, parsePositive } from "../command.ts";
import { dateTime, nevr, table, taskRows } from "../format.ts";
import { printJson } from "../io.ts";
import { resolveProject } from "../projectRef.ts";

export const statusCommand = defineCommand({
  name: "status",
  summary: "Show a build's state and each chroot's state, reason and worker.",
  args: ["ID"],
  options: {},
  async run({ io, json, client }, [idText = ""]) {
    const view = await client.builds.get.query({ id: parseBuildId(idText) });
    if (json) {
      printJson(io, view);
      return 0;
    }
    const b = view.build;
    io.stdout(
      `Build ${b.id}: ${view.state}\n` +
        table([
          ["  project", `${b.owner}/${b.project}`],
          ["  package", nevr(b)],
          ["  submitted", `${dateTime(b.submittedAt)} by ${b.submittedBy}`],
          ["  timeout", `${b.timeoutS ?? DEFAULT_BUILD_TIMEOUT_S} s per chroot`],
          ["  network", b.enableNet === true ? "on" : "off"],
        ]) +
        "chroots:\n" +
        table(taskRows(view.tasks).map((r) => ["  " + (r[0] ?? ""), ...r.slice(1)])),
    );
    return 0;
  },
});

export const listBuildsCommand = defineCommand({
  name: "list-builds",
  summary: "List the newest builds, of one project or of all.",
  args: ["[PROJECT]"],
  options: {
    limit: { type: "string", arg: "N", help: "show at most N builds (1–500); default 50" },
    before: { type: "string", arg: "ID", help: "only builds older than build ID (the next page: the last ID shown)" },
  },
  description: "PROJECT is NAME (one of yours) or OWNER/NAME.",
  async run({ io, json, client }, [projectText], values) {
    const limit = values.limit === undefined ? 50 : Math.floor(parsePositive(values.limit, "limit"));
    if (limit > 500) throw new CliError("USAGE", `--limit takes 1 to 500, got ${limit}`);
    const before = values.before === undefined ? undefined : parseBuildId(values.before);
    const project = projectText === undefined ? undefined : await resolveProject(client, projectText);
    const views = await client.builds.list.query({
      limit, ...(before === undefined ? {} : { before }), ...(project === undefined ? {} : { owner: project.owner, project: project.name }),
    });
    if (json) printJson(io, views);
    else if (views.length === 0) io.stdout("No builds.\n");
    else {
      io.stdout(table([
        ["ID", "PROJECT", "PACKAGE", "STATE", "SUBMITTED"],
        ...views.map((v) => [String(v.build.id), `${v.build.owner}/${v.build.project}`, nevr(v.build), v.state, dateTime(v.build.submittedAt)]),
      ]));
      const last = views.at(-1);
      if (views.length === limit && last !== undefined) {
        const hint = ["copr list-builds", ...(projectText === undefined ? [] : [projectText]), ...(values.limit === undefined ? [] : ["--limit", String(limit)]), "--before", String(last.build.id)];
        io.stdout(`Older builds: ${hint.join(" ")}\n`);
      }
    }
    return 0;
  },
});

export const cancelCommand = defineCommand({
  name: "cancel",
  summary: "Cancel a build's chroots that have not finished (owner or admin).",
  args: ["ID"],
  options: {},
  async run({ io, json, client }, [idText = ""]) {
    const id = parseBuildId(idText);
    const result = await client.builds.cancel.mutate({ id });
    if (json) printJson(io, { id, ...result });
    else io.stdout(`Cancel of build ${id} requested.\n`);
    return 0;
  },
});

export const deleteBuildCommand = defineCommand({
  name: "delete-build",
  summary: "Delete builds (owner or admin): queued and running ones are canceled first; their results leave the repository.",
  args: ["ID…"],
  options: {},
  async run({ io, json, client }, idTexts) {
    const ids = idTexts.map(parseBuildId);
    const { deleted } = await client.builds.delete.mutate({ ids });
    if (json) printJson(io, { deleted });
    else io.stdout(`Deleted builds: ${deleted.join(" ")}\n`);
    return 0;
  },
});
