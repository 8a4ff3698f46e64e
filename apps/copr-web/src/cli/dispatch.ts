import { parseArgs } from "node:util";
import { GLOBAL_OPTIONS, type Command } from "./command.ts";
import type { Io } from "./io.ts";

function overview(commands: readonly Command[], group?: string): string {
  const shown = commands.filter((c) => group === undefined || c.name.startsWith(`${group} `));
  const width = Math.max(...shown.map((c) => c.name.length));
  return [
    `usage: copr ${group === undefined ? "COMMAND" : `${group} SUBCOMMAND`} [ARGS] [options]`,
    "",
    ...(group === undefined ? ["A client for copr-web, like Fedora's copr-cli.", ""] : []),
    "commands:",
    ...shown.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Every command takes --config FILE, --json and --help (copr COMMAND --help).",
    "The server URL and your token come from ~/.config/copr:",
    "",
    "  [copr-cli]",
    "  copr_url = http://127.0.0.1:8080",
    "  token = <your API token>",
    "",
    "Exit codes: 0 ok, 1 the operation failed (e.g. a build failed), 2 usage or config error.",
    "",
  ].join("\n");
}

/**
 * Finds the command named by the first one or two words of `argv`
 * (`build`, `worker add`) and runs it with the rest; returns the exit code.
 */
export async function dispatch(commands: readonly Command[], argv: readonly string[], io: Io): Promise<number> {
  const { tokens, values } = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const words = tokens.filter((t) => t.kind === "positional").slice(0, 2);
  const [first, second] = words;
  const pair = second === undefined || first === undefined ? undefined : `${first.value} ${second.value}`;
  const byPair = commands.find((c) => c.name === pair);
  const command = byPair ?? commands.find((c) => c.name === first?.value);
  if (command !== undefined) {
    const used = new Set((byPair === undefined ? [first] : [first, second]).map((t) => t?.index));
    return await command.execute(argv.filter((_a, i) => !used.has(i)), io);
  }
  const help = values.help === true;
  if (first === undefined || first.value === "help") {
    if (help || first !== undefined) {
      io.stdout(overview(commands));
      return 0;
    }
    io.stderr(overview(commands));
    return 2;
  }
  const group = first.value;
  if (commands.some((c) => c.name.startsWith(`${group} `))) {
    if (help && second === undefined) {
      io.stdout(overview(commands, group));
      return 0;
    }
    io.stderr(`copr ${group}: ${second === undefined ? "missing subcommand" : `unknown subcommand "${second.value}"`}\n\n${overview(commands, group)}`);
    return 2;
  }
  io.stderr(`copr: unknown command "${group}"; see copr --help\n`);
  return 2;
}
