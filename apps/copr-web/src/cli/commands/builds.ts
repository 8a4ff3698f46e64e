import { DEFAULT_BUILD_TIMEOUT_S, MAX_BUILD_TIMEOUT_S, parseBuildTimeout } from "@copr/domain";
import { CliError } from "../cliErrors.ts";
import { buildUrl } from "../client.ts";
import { defineCommand, parseBuildId, parsePositive, type RunContext } from "../command.ts";
import { clock, nevr, type BuildView } from "../format.ts";
import { printJson } from "../io.ts";
import { resolveProject } from "../projectRef.ts";
import { onOffOption } from "../onOff.ts";
import { uploadSrpm } from "../upload.ts";
import { followBuild } from "../watch.ts";
import { printSummary, watchPrinter } from "../watchPrinter.ts";

const watchTimeoutOption = { type: "string", arg: "S", help: "stop watching after S seconds and exit 1 (the build keeps running); default: wait for the end" } as const;

/** `--timeout S` of `copr build`: the build's own time limit, as in Copr. Throws CliError USAGE. */
function buildTimeout(text: string): number {
  const parsed = parseBuildTimeout(text);
  if (!parsed.ok) throw new CliError("USAGE", `--timeout: ${parsed.message}`);
  return parsed.seconds;
}

/** Follows a build to its end and prints the summary; returns the exit code. */
async function watchToEnd(ctx: RunContext, view: BuildView, timeoutText: string | undefined): Promise<number> {
  const timeoutS = timeoutText === undefined ? undefined : parsePositive(timeoutText, "watch-timeout");
  const id = view.build.id;
  if (!ctx.json) ctx.io.stdout(`Watching build ${id} (${view.build.owner}/${view.build.project} ${nevr(view.build)}); interrupting stops the watching, not the build.\n`);
  const outcome = await followBuild(ctx.client, id, watchPrinter(ctx.io, ctx.json, view), timeoutS === undefined ? {} : { timeoutMs: timeoutS * 1000 });
  if (outcome === "timeout") {
    throw new CliError("FAILED", `${clock()} gave up watching build ${id} after ${timeoutS ?? 0} s; it keeps running (copr watch-build ${id})`);
  }
  return printSummary(ctx.io, ctx.json, await ctx.client.builds.get.query({ id }));
}

export const buildCommand = defineCommand({
  name: "build",
  summary: "Upload a source RPM and build it in the project's chroots, then watch the build.",
  args: ["PROJECT", "FILE.src.rpm"],
  options: {
    chroot: { type: "string", multiple: true, arg: "CHROOT", help: "build only in this chroot of the project (repeat for more); default: all of them" },
    nowait: { type: "boolean", help: "do not watch the build; print its id and return" },
    timeout: { type: "string", arg: "S", help: `fail a chroot whose build runs longer than S seconds (default ${DEFAULT_BUILD_TIMEOUT_S} = 5 h, at most ${MAX_BUILD_TIMEOUT_S})` },
    "enable-net": { type: "string", arg: "on|off", help: "let this build use the network, or not (default: the project's setting)" },
    background: { type: "boolean", help: "a background build: it runs only when no ordinary build of its arch waits" },
    "after-build-id": { type: "string", arg: "ID", help: "start only after build ID (and its batch) succeeded; fail if it fails" },
    "with-build-id": { type: "string", arg: "ID", help: "build in the same batch as build ID" },
    "watch-timeout": watchTimeoutOption,
  },
  description: "PROJECT is NAME (one of yours) or OWNER/NAME.",
  async run(ctx, [projectText = "", file = ""], values) {
    const timeoutS = values.timeout === undefined ? undefined : buildTimeout(values.timeout);
    if (values["watch-timeout"] !== undefined) parsePositive(values["watch-timeout"], "watch-timeout");
    const enableNet = onOffOption(values["enable-net"], "enable-net");
    const afterBuildId = values["after-build-id"] === undefined ? undefined : parseBuildId(values["after-build-id"]);
    const withBuildId = values["with-build-id"] === undefined ? undefined : parseBuildId(values["with-build-id"]);
    if (afterBuildId !== undefined && withBuildId !== undefined) throw new CliError("USAGE", "give either --after-build-id or --with-build-id, not both");
    const project = await resolveProject(ctx.client, projectText);
    const view = await uploadSrpm(ctx.config, ctx.io, {
      owner: project.owner, project: project.name, file, chroots: values.chroot ?? [],
      ...(timeoutS === undefined ? {} : { timeoutS }), ...(enableNet === undefined ? {} : { enableNet }),
      ...(values.background === true ? { background: true } : {}),
      ...(afterBuildId === undefined ? {} : { afterBuildId }), ...(withBuildId === undefined ? {} : { withBuildId }),
    });
    const url = buildUrl(ctx.config, view.build.id);
    if (ctx.json) printJson(ctx.io, { type: "created", url, ...view });
    else ctx.io.stdout(`Build was added to ${view.build.owner}/${view.build.project}:\n  ${url}\nCreated builds: ${view.build.id}\n`);
    if (values.nowait === true) return 0;
    return await watchToEnd(ctx, view, values["watch-timeout"]);
  },
});

export const watchBuildCommand = defineCommand({
  name: "watch-build",
  summary: "Follow a build live: each chroot's state changes and log lines, then a summary. Exits 1 if a chroot failed or was canceled.",
  args: ["ID"],
  options: { "watch-timeout": watchTimeoutOption },
  async run(ctx, [idText = ""], values) {
    const view = await ctx.client.builds.get.query({ id: parseBuildId(idText) });
    return await watchToEnd(ctx, view, values["watch-timeout"]);
  },
});

export const resubmitCommand = defineCommand({
  name: "resubmit",
  summary: "Build an earlier build's source RPM again, as a new build, then watch it.",
  args: ["ID"],
  options: {
    chroot: { type: "string", multiple: true, arg: "CHROOT", help: "build only in this chroot (repeat for more); default: the chroots of build ID" },
    failed: { type: "boolean", help: "only the chroots of build ID that failed or were canceled" },
    nowait: { type: "boolean", help: "do not watch the new build; print its id and return" },
    timeout: { type: "string", arg: "S", help: "build timeout per chroot, seconds; default: that of build ID" },
    "watch-timeout": watchTimeoutOption,
  },
  async run(ctx, [idText = ""], values) {
    const id = parseBuildId(idText);
    const timeoutS = values.timeout === undefined ? undefined : buildTimeout(values.timeout);
    if (values["watch-timeout"] !== undefined) parsePositive(values["watch-timeout"], "watch-timeout");
    const view = await ctx.client.builds.resubmit.mutate({
      id, ...(values.chroot === undefined ? {} : { chroots: values.chroot }), onlyFailed: values.failed === true, ...(timeoutS === undefined ? {} : { timeoutS }),
    });
    const url = buildUrl(ctx.config, view.build.id);
    if (ctx.json) printJson(ctx.io, { type: "created", url, ...view });
    else ctx.io.stdout(`Build ${id} resubmitted as build ${view.build.id} in ${view.build.owner}/${view.build.project}:\n  ${url}\nCreated builds: ${view.build.id}\n`);
    if (values.nowait === true) return 0;
    return await watchToEnd(ctx, view, values["watch-timeout"]);
  },
});
