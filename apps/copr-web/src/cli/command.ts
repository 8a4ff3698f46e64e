import { parseArgs } from "node:util";
import { loadCliConfig, type CliConfig } from "./cliConfig.ts";
import { CliError } from "./cliErrors.ts";
import { createCoprClient, type CoprClient } from "./client.ts";
import { toCliError } from "./explainError.ts";
import type { Io } from "./io.ts";

/** One command-line option: its parseArgs type plus what `--help` says about it. */
export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** Placeholder for the value in help, e.g. `S` or `DIR`. */
  arg?: string;
  help: string;
}

type ValueOf<S extends OptionSpec> = S["type"] extends "string"
  ? S["multiple"] extends true ? string[] : string
  : S["multiple"] extends true ? boolean[] : boolean;

export type OptionValues<O extends Record<string, OptionSpec>> = { [K in keyof O]?: ValueOf<O[K]> };

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  config: { type: "string", arg: "FILE", help: "read the server URL and token from FILE instead of ~/.config/copr" },
  json: { type: "boolean", help: "print machine-readable JSON instead of text" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const satisfies Record<string, OptionSpec>;

/** What a running command may use. */
export interface RunContext {
  io: Io;
  /** --json was given. */
  json: boolean;
  config: CliConfig;
  client: CoprClient;
}

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** As typed: `build`, `worker add`. */
  name: string;
  summary: string;
  /** Positional arguments as help shows them; `[X]` is optional, `X…` takes the rest. */
  args: readonly string[];
  options: O;
  /** Extra help text, after the options. */
  description?: string;
  /** Returns the exit code: 0 ok, 1 the operation failed. */
  run(ctx: RunContext, args: readonly string[], values: OptionValues<O>): Promise<number>;
}

/** A command as main.ts sees it. */
export interface Command {
  name: string;
  summary: string;
  help(): string;
  /** Parses `argv` (without the command's name), runs it, prints any error; returns the exit code. */
  execute(argv: readonly string[], io: Io): Promise<number>;
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [
    `${o.short === undefined ? "    " : `-${o.short}, `}--${name}${o.arg === undefined ? "" : ` ${o.arg}`}${o.multiple === true ? " …" : ""}`,
    o.help,
  ] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`);
}

export function defineCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): Command {
  const required = spec.args.filter((a) => !a.startsWith("[")).length;
  const rest = spec.args.some((a) => a.endsWith("…"));
  const usage = `usage: copr ${spec.name}${spec.args.map((a) => ` ${a}`).join("")} [options]`;
  const help = (): string =>
    [usage, "", spec.summary, "", "options:", ...optionLines({ ...spec.options, ...GLOBAL_OPTIONS }), ...(spec.description === undefined ? [] : ["", spec.description]), ""].join("\n");
  const usageError = (io: Io, message: string): number => {
    io.stderr(`copr ${spec.name}: ${message}\n${usage}\n(see copr ${spec.name} --help)\n`);
    return 2;
  };

  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async execute(argv, io) {
      let parsed: ReturnType<typeof parseArgs>;
      try {
        parsed = parseArgs({ args: [...argv], options: { ...spec.options, ...GLOBAL_OPTIONS }, allowPositionals: true, strict: true });
      } catch (error) {
        return usageError(io, error instanceof Error ? error.message : String(error));
      }
      const values = parsed.values as OptionValues<O> & OptionValues<typeof GLOBAL_OPTIONS>;
      if (values.help === true) {
        io.stdout(help());
        return 0;
      }
      const args = parsed.positionals;
      if (args.length < required) return usageError(io, `missing ${spec.args.slice(args.length, required).join(" ")}`);
      if (!rest && args.length > spec.args.length) return usageError(io, `unexpected argument ${args[spec.args.length] ?? ""}`);
      let config: CliConfig | undefined;
      try {
        config = await loadCliConfig(values.config);
        return await spec.run({ io, json: values.json === true, config, client: createCoprClient(config) }, args, values);
      } catch (error) {
        const e = toCliError(error, config);
        if (e.code === "USAGE") return usageError(io, e.message);
        io.stderr(`copr: ${e.message}\n`);
        return e.exitCode;
      }
    },
  };
}

/** A build id argument: a positive integer. Throws CliError USAGE. */
export function parseBuildId(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1) throw new CliError("USAGE", `"${text}" is not a build id (a positive integer)`);
  return id;
}

/** A positive number option, e.g. `--timeout 30`. Throws CliError USAGE. */
export function parsePositive(text: string, option: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) throw new CliError("USAGE", `--${option} takes a positive number, got "${text}"`);
  return n;
}
