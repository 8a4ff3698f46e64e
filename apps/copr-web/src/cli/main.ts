// copr: command-line client for copr-web, like Fedora's copr-cli. Wiring only.
import { COMMANDS } from "./commands/index.ts";
import { dispatch } from "./dispatch.ts";
import { processIo } from "./io.ts";

process.exitCode = await dispatch(COMMANDS, process.argv.slice(2), processIo());
