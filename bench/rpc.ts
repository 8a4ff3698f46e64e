/**
 * `npm run bench:rpc`: request/reply cost of the bus RPC layer against two
 * baselines, bare rhea over the same broker and XML-RPC over HTTP.
 *
 * Starts a private RabbitMQ (never the machine's own), creates a throw-away
 * vhost, measures every transport sequentially and with 64 calls in flight,
 * prints a table and writes bench/results/rpc.json.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RabbitMqInstance } from "../libs/testkit/src/rabbitmq.ts";
import { z } from "zod";
import { Agent, BusConnection, Console, agentQueueName, parseBusConfig, silentLogger } from "../libs/bus/src/index.ts";
import { bareRhea, xmlRpc, type Baseline } from "./baselines.ts";
import { measure, round2, type Mode, type Row } from "./measure.ts";

const MODES: readonly Mode[] = ["sequential", "inflight64"];
/** The bare-rhea baseline's agent, with its own broker user and queue like ours. */
const RHEA_AGENT = "bench:copr-worker:rhea";
const DURATION_MS = 3000;
/** Alternating rounds of rhea and bus per mode, and the length of each, ms. */
const ROUNDS = 5;
const ROUND_MS = 2000;
const WARMUP: Readonly<Record<Mode, number>> = { sequential: 200, inflight64: 1000 };
const resultsFile = join(dirname(fileURLToPath(import.meta.url)), "results", "rpc.json");

/** Set by SIGINT/SIGTERM: the run stops at the next row and writes nothing. */
let interrupted = false;

interface BenchContext {
  broker: RabbitMqInstance;
  vhost: string;
}

interface Results {
  rows: Row[];
  ratios: { throughput_vs_rhea: number | null; p99_vs_rhea: number | null };
}

/** Measures one transport in both modes, always closing it. */
async function rowsFor(name: Row["name"], open: () => Promise<Baseline>): Promise<Row[]> {
  const transport = await open();
  try {
    const rows: Row[] = [];
    for (const mode of MODES) {
      if (interrupted) throw new Error("interrupted");
      const row = await measure({ name, mode, call: transport.call, warmup: WARMUP[mode], durationMs: DURATION_MS });
      console.log(`  ${name.padEnd(8)} ${mode.padEnd(11)} ${row.calls_per_s.toFixed(0).padStart(7)} calls/s  p50 ${row.p50_ms.toFixed(2)} ms  p99 ${row.p99_ms.toFixed(2)} ms`);
      rows.push(row);
    }
    return rows;
  } finally {
    await transport.close();
  }
}

/** Our RPC layer: an Agent (worker user) serving `echo`, a Console (headhunter user) calling it. */
async function openBusTransport(ctx: BenchContext): Promise<Baseline> {
  const open = (user: { username: string; password: string }) =>
    BusConnection.open(parseBusConfig({ port: ctx.broker.amqpPort, vhost: ctx.vhost, ...user }), { logger: silentLogger });
  const name = "bench:copr-worker:echo";
  const agentBus = await open(await ctx.broker.agentAdmin(ctx.vhost).addAgent(name));
  const consoleBus = await open({ username: "headhunter", password: ctx.broker.passwords.headhunter });
  const agent = await Agent.start(agentBus, { name, epoch: 1 });
  agent.method("echo", { description: "returns its argument", args: z.object({ n: z.number() }), handler: ({ n }) => n });
  const console = await Console.open(consoleBus, { trackAgents: false });
  let n = 0;
  return {
    call: async () => {
      await console.call(agent.name, "echo", { n: n++ }, { timeoutMs: 10_000 });
    },
    close: async () => {
      console.close();
      agent.close();
      await consoleBus.close();
      await agentBus.close();
    },
  };
}

/** Median of each column over rounds (calls/s, p50 and p99 separately). */
function medianRow(rounds: Row[]): Row {
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? Number.NaN;
  };
  const first = rounds[0] as Row;
  return {
    name: first.name,
    mode: first.mode,
    calls_per_s: round2(med(rounds.map((r) => r.calls_per_s))),
    p50_ms: round2(med(rounds.map((r) => r.p50_ms))),
    p99_ms: round2(med(rounds.map((r) => r.p99_ms))),
  };
}

/**
 * rhea and bus share the broker and the machine: measure them in alternating
 * rounds so that drift (other load, broker state) hits both alike, and keep
 * the median round of each.
 */
async function interleaved(transports: { name: Row["name"]; transport: Baseline }[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mode of MODES) {
    const rounds = new Map<string, Row[]>(transports.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const { name, transport } of transports) {
        if (interrupted) throw new Error("interrupted");
        const row = await measure({ name, mode, call: transport.call, warmup: WARMUP[mode], durationMs: ROUND_MS });
        rounds.get(name)?.push(row);
      }
    }
    for (const { name } of transports) {
      const row = medianRow(rounds.get(name) ?? []);
      console.log(`  ${name.padEnd(8)} ${mode.padEnd(11)} ${row.calls_per_s.toFixed(0).padStart(7)} calls/s  p50 ${row.p50_ms.toFixed(2)} ms  p99 ${row.p99_ms.toFixed(2)} ms  (median of ${ROUNDS} rounds)`);
      rows.push(row);
    }
  }
  return rows;
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || b === 0) return null;
  return round2(a / b);
}

function printTable(results: Results): void {
  console.log("");
  console.table(results.rows);
  console.log(`throughput_vs_rhea (inflight64): ${results.ratios.throughput_vs_rhea ?? "n/a (no bus rows)"}`);
  console.log(`p99_vs_rhea        (inflight64): ${results.ratios.p99_vs_rhea ?? "n/a (no bus rows)"}`);
}

async function main(): Promise<void> {
  let broker: RabbitMqInstance | undefined;
  const shutdown = (signal: NodeJS.Signals): void => {
    interrupted = true;
    console.error(`bench: ${signal}, stopping the broker`);
    void (broker?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);

  try {
    const t0 = Date.now();
    console.log("bench: starting a private RabbitMQ ...");
    broker = await RabbitMqInstance.start();
    const vhost = `bench-${randomBytes(3).toString("hex")}`;
    await broker.createVhost(vhost);
    console.log(`bench: broker up on 127.0.0.1:${broker.amqpPort}, vhost ${vhost} (${Date.now() - t0} ms)`);

    const b = broker;
    const rows: Row[] = [];
    const rhea = await bareRhea({
      port: b.amqpPort,
      vhost,
      consoleUser: { username: "headhunter", password: b.passwords.headhunter },
      agentUser: await b.agentAdmin(vhost).addAgent(RHEA_AGENT),
      requestTarget: `/exchange/qmf.request/${RHEA_AGENT}`,
      requestSource: `/amq/queue/${agentQueueName(RHEA_AGENT)}`,
    });
    try {
      const bus = await openBusTransport({ broker: b, vhost });
      try {
        rows.push(...(await interleaved([{ name: "rhea", transport: rhea }, { name: "bus", transport: bus }])));
      } finally {
        await bus.close();
      }
    } finally {
      await rhea.close();
    }
    rows.push(...(await rowsFor("xmlrpc", xmlRpc)));

    const at = (name: string): Row | undefined => rows.find((r) => r.name === name && r.mode === "inflight64");
    const rheaRow = at("rhea");
    const busRow = at("bus");
    const results: Results = {
      rows,
      ratios: {
        throughput_vs_rhea: ratio(busRow?.calls_per_s, rheaRow?.calls_per_s),
        p99_vs_rhea: ratio(busRow?.p99_ms, rheaRow?.p99_ms),
      },
    };
    if (interrupted) throw new Error("interrupted");
    printTable(results);
    await mkdir(dirname(resultsFile), { recursive: true });
    await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`bench: wrote ${resultsFile} (total ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } finally {
    await broker?.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (interrupted) return; // the signal handler exits once the broker is down
    console.error("bench failed:", err);
    process.exit(1);
  },
);
