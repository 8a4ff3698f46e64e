import { defineCommand } from "../command.ts";
import { dateTime, table } from "../format.ts";
import { printJson } from "../io.ts";

const NAME_HELP = "NAME is vendor:product:instance, e.g. fedoraproject:copr-worker:w1";

export const workerAddCommand = defineCommand({
  name: "worker add",
  summary: "Register a build worker, create its broker user, and print its token and broker password, once (admins only).",
  args: ["NAME"],
  options: {},
  description: NAME_HELP,
  async run({ io, json, client }, [name = ""]) {
    const worker = await client.workers.add.mutate({ name });
    if (json) printJson(io, worker);
    else {
      io.stdout([
        `Worker ${worker.name} added. Shown only this once:`,
        `  token (COPR_WORKER_TOKEN):              ${worker.token}`,
        `  broker user (COPR_BUS_USER):            ${worker.brokerUser}`,
        `  broker password (COPR_BUS_PASSWORD):    ${worker.brokerPassword}`,
        "",
      ].join("\n"));
    }
    return 0;
  },
});

export const workerListCommand = defineCommand({
  name: "worker list",
  summary: "List the registered build workers.",
  args: [],
  options: {},
  async run({ io, json, client }) {
    const workers = await client.workers.list.query();
    if (json) printJson(io, workers);
    else if (workers.length === 0) io.stdout("No workers registered.\n");
    else io.stdout(table([["NAME", "STATE", "ADDED"], ...workers.map((w) => [w.name, w.drain ? "draining" : "active", dateTime(w.addedAt)])]));
    return 0;
  },
});

export const workerDrainCommand = defineCommand({
  name: "worker drain",
  summary: "Stop giving a worker new tasks (it finishes what it runs), or with --undo, resume (admins only).",
  args: ["NAME"],
  options: { undo: { type: "boolean", help: "give the worker tasks again" } },
  description: NAME_HELP,
  async run({ io, json, client }, [name = ""], values) {
    const worker = await client.workers.drain.mutate({ name, drain: values.undo !== true });
    if (json) printJson(io, worker);
    else io.stdout(worker.drain ? `Worker ${worker.name} is draining: it gets no new tasks.\n` : `Worker ${worker.name} gets tasks again.\n`);
    return 0;
  },
});

export const workerRemoveCommand = defineCommand({
  name: "worker remove",
  summary: "Remove a worker; its token and its broker user stop working (admins only).",
  args: ["NAME"],
  options: {},
  description: NAME_HELP,
  async run({ io, json, client }, [name = ""]) {
    const result = await client.workers.remove.mutate({ name });
    if (json) printJson(io, result);
    else io.stdout(`Worker ${result.removed} removed.\n`);
    return 0;
  },
});
