import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGzip } from "node:zlib";
import { AgentMethodError, workerBuildDomain, type BusLogger, type Signals } from "@copr/bus";
import { logProofText, proofFromHash, statusProofText, tokenKey, type BuildArgs, type BuildResult } from "@copr/domain";
import type { BuilderConnection, BuilderHost } from "./builderConnection.ts";
import { LogBatcher } from "./logBatcher.ts";
import type { BuilderClaim, Provisioner } from "./provisioner.ts";
import { DEFAULT_SANDBOX_LIMITS, PROBE_SCRIPT, bubblewrapCommand, limitReason, sandboxFromProbe } from "./sandbox.ts";

export type Connect = (host: BuilderHost) => Promise<BuilderConnection>;

interface Running {
  args: BuildArgs;
  claim: BuilderClaim;
  /** the builder, once the provisioner gave it */
  host: BuilderHost | undefined;
  connection: BuilderConnection | undefined;
  pidFile: string;
  cancel: "requested" | "timeout" | undefined;
  done: Promise<void>;
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** How many ended attempts a worker remembers for `status`. */
const ENDED_KEPT = 1000;

/**
 * Runs builds on the worker's builder hosts: fetch the SRPM from copr-web
 * (checksum checked), upload it over SFTP, run mock (or rpmbuild where mock
 * is missing) in its own process group, stream the output as log signals,
 * bring the results back and upload them to copr-web with their sha256,
 * and report every state as a status signal.
 */
export class BuildRunner {
  readonly #provisioners: readonly Provisioner[];
  readonly #connect: Connect;
  readonly #signals: Signals;
  readonly #agentName: string;
  readonly #token: string;
  /** copr-web's base URL: the only origin build calls may point the worker at. */
  readonly #webUrl: string;
  /** sha256 of the token: the key of the proofs on status and log signals. */
  readonly #tokenKey: string;
  readonly #log: BusLogger;
  readonly #running = new Map<string, Running>();
  /**
   * Attempts that ended here lately (the newest ENDED_KEPT), with their final
   * state: `status` lists them, so a Headhunter that lost track of a
   * handover learns the build ran (its final report is on the way) instead
   * of starting it again elsewhere; a repeated `build` call starts nothing.
   */
  readonly #ended = new Map<string, { task_id: string; attempt: number; state: string }>();
  readonly #onEnded: (arch: string, state: "succeeded" | "failed" | "canceled", seconds: number) => void;
  #seq = 0;

  constructor(deps: {
    provisioners: readonly Provisioner[]; connect: Connect; signals: Signals; agentName: string; token: string; webUrl: string; log: BusLogger;
    /** Each build's end: arch, final state and seconds since it was accepted (metrics). */
    onEnded?: (arch: string, state: "succeeded" | "failed" | "canceled", seconds: number) => void;
  }) {
    this.#onEnded = deps.onEnded ?? (() => undefined);
    this.#webUrl = deps.webUrl.replace(/\/+$/, "");
    this.#provisioners = deps.provisioners;
    this.#connect = deps.connect;
    this.#signals = deps.signals;
    this.#agentName = deps.agentName;
    this.#token = deps.token;
    this.#tokenKey = tokenKey(deps.token);
    this.#log = deps.log;
  }

  get slots(): { total: number; used: number } {
    return { total: this.#provisioners.reduce((n, p) => n + p.slots, 0), used: this.#running.size };
  }

  get arches(): string[] {
    return [...new Set(this.#provisioners.flatMap((p) => p.arches))];
  }

  list(): { task_id: string; attempt: number; host: string; chroot: string }[] {
    return [...this.#running.values()].map((r) => ({ task_id: r.args.task_id, attempt: r.args.attempt, host: r.host?.name ?? r.claim.label, chroot: r.args.chroot }));
  }

  /** Attempts that ended here lately, newest last (see #ended). */
  ended(): { task_id: string; attempt: number; state: string }[] {
    return [...this.#ended.values()];
  }

  /** Starts a build (or confirms the one already running, or already ended, for this task and attempt). */
  start(args: BuildArgs): BuildResult {
    const key = `${args.task_id}@${args.attempt}`;
    const existing = this.#running.get(key);
    if (existing !== undefined) return { accepted: true, host: existing.host?.name ?? existing.claim.label, already_running: true };
    if (this.#ended.has(key)) return { accepted: true, host: "", already_running: true };
    // The worker's token goes with both requests: only to copr-web's own API.
    for (const [what, url] of [["SRPM", args.srpm_url], ["results", args.results_url]] as const) {
      if (!url.startsWith(`${this.#webUrl}/api/`)) {
        throw new AgentMethodError("FOREIGN_URL", `the ${what} URL ${url} is not on this worker's copr-web (${this.#webUrl}, COPR_WORKER_WEB_URL); refusing to send the worker token there`);
      }
    }
    const request = { arch: args.arch, owner: args.owner, project: args.project, task: key };
    let claim: BuilderClaim | undefined;
    for (const p of this.#provisioners) {
      claim = p.claim(request);
      if (claim !== undefined) break;
    }
    if (claim === undefined) throw new AgentMethodError("BUSY", `no builder host with a free slot for ${args.arch}`);
    const run: Running = { args, claim, host: undefined, connection: undefined, pidFile: "", cancel: undefined, done: Promise.resolve() };
    this.#running.set(key, run);
    const accepted = Date.now();
    run.done = this.#build(run).then((state) => {
      this.#ended.set(key, { task_id: args.task_id, attempt: args.attempt, state });
      if (this.#ended.size > ENDED_KEPT) this.#ended.delete(this.#ended.keys().next().value ?? "");
      this.#onEnded(args.arch, state, (Date.now() - accepted) / 1000);
    }).finally(() => this.#running.delete(key));
    return { accepted: true, host: claim.label, already_running: false };
  }

  /** Stops a running build's whole process group; it then reports `canceled`. */
  async cancel(taskId: string, attempt: number): Promise<boolean> {
    const run = this.#running.get(`${taskId}@${attempt}`);
    if (run === undefined) return false;
    run.cancel ??= "requested";
    if (run.connection !== undefined && run.pidFile !== "") await run.connection.cancel(run.pidFile).catch(() => undefined);
    return true;
  }

  /** Cancels everything and waits for the reports. */
  async close(): Promise<void> {
    await Promise.all([...this.#running.values()].map(async (r) => {
      await this.cancel(r.args.task_id, r.args.attempt);
      await r.done;
    }));
  }

  async #status(args: BuildArgs, state: "running" | "succeeded" | "failed" | "canceled", reason?: string, builder?: string): Promise<void> {
    const report = {
      task_id: args.task_id, attempt: args.attempt, agent: this.#agentName, state, seq: this.#seq++,
      ...(reason === undefined ? {} : { reason }),
      ...(builder === undefined ? {} : { builder }),
    };
    await this.#signals.publish(workerBuildDomain, "status", {
      primary_uid: args.task_id, ...report, proof: proofFromHash(this.#tokenKey, statusProofText(report)),
    }, { owner: args.owner, project: args.project, chroot: args.chroot, arch: args.arch, build_id: args.build_id });
  }

  async #build(run: Running): Promise<"succeeded" | "failed" | "canceled"> {
    const { args } = run;
    const local = await mkdtemp(join(tmpdir(), `copr-worker-${args.task_id}-`));
    // The full log goes to disk as it comes (gzip), not into memory: a build log can be large.
    const logPath = join(local, "builder-live.log.gz");
    const fullLog = createGzip();
    const logWritten = pipeline(fullLog, createWriteStream(logPath));
    logWritten.catch(() => undefined);
    // A full disk must cost the stored log, not the worker: writes after a failure are dropped.
    fullLog.on("error", () => undefined);
    /** The last output lines, to tell which limit a failed build ran into. */
    const lastLines: string[] = [];
    const batcher = new LogBatcher(async (lines, offset) => {
      const batch = { task_id: args.task_id, attempt: args.attempt, agent: this.#agentName, offset, lines };
      await this.#signals.publish(workerBuildDomain, "log", {
        primary_uid: args.task_id, ...batch, proof: proofFromHash(this.#tokenKey, logProofText(batch)),
      }).catch((err: unknown) => this.#log.warn({ task: args.task_id, err: String(err) }, "log batch not published"));
    }, {
      onLine: (line) => {
        fullLog.write(`${line}\n`);
        lastLines.push(line);
        if (lastLines.length > 40) lastLines.shift();
      },
    });
    const say = (line: string): void => batcher.line(line);
    const timer = setTimeout(() => {
      run.cancel ??= "timeout";
      void this.cancel(args.task_id, args.attempt);
    }, args.timeout_s * 1000);
    timer.unref();
    let final: { state: "succeeded" | "failed" | "canceled"; reason?: string } = { state: "failed", reason: "the worker stopped" };
    let remoteDir: string | undefined;
    /** The build ran to its end on a builder that answered throughout: the builder may be used again. */
    let builderSound = false;
    try {
      const srpmName = args.srpm_file;
      const srpmLocal = join(local, srpmName);
      await this.#fetchSrpm(args, srpmLocal);
      if (run.cancel !== undefined) throw new Error("canceled before start");
      const host = await run.claim.builder();
      run.host = host;
      const limits = host.limits ?? DEFAULT_SANDBOX_LIMITS;
      const connection = await this.#connect(host);
      run.connection = connection;
      if (run.cancel !== undefined) throw new Error("canceled before start");
      const sandbox = sandboxFromProbe(host.name, (await connection.exec(PROBE_SCRIPT)).stdout);
      // Absolute, so the build's cwd and its pid file agree: a relative work_dir is below the builder user's home.
      const workDir = host.workDir.startsWith("/") ? host.workDir : `${(await connection.exec("printf %s \"$HOME\"")).stdout}/${host.workDir}`;
      remoteDir = `${workDir}/${args.task_id}-${args.attempt}`;
      await connection.exec(`rm -rf ${shq(remoteDir)}`);
      await connection.mkdirp(`${remoteDir}/results`);
      await connection.upload(srpmLocal, `${remoteDir}/${srpmName}`);
      const network = args.enable_net ? "network on" : "network off";
      say(`copr-worker: build ${args.build_id} ${args.pkg_name} for ${args.chroot}, attempt ${args.attempt}, on ${host.name} (${host.user}@${host.host})`);
      let command: string;
      if (sandbox === "mock") {
        command = `mock -r ${shq(args.chroot)} --rebuild ${shq(srpmName)} --resultdir results${args.enable_net ? " --enable-network" : ""}`;
        say(`copr-worker: sandbox: mock's own isolation; ${network}`);
        say(`copr-worker: running mock: ${command}`);
      } else {
        const inner = `rpmbuild --rebuild --nodeps --define "_topdir $PWD/rpmbuild" ${shq(srpmName)}`;
        command = bubblewrapCommand(inner, { network: args.enable_net, limits });
        say(`copr-worker: sandbox: bubblewrap (own PID, mount and ${args.enable_net ? "UTS" : "network"} namespaces, read-only system, fresh home and /tmp); ${network}; ` +
          `limits: ${limits.processes} processes, ${limits.openFiles} open files, ${limits.memoryMiB} MiB memory, ${limits.fileSizeMiB} MiB per file`);
        say(`copr-worker: mock is not installed on ${host.name}; running rpmbuild --rebuild --nodeps in the sandbox instead: ${inner}`);
      }
      run.pidFile = `${remoteDir}/build.pid`;
      await this.#status(args, "running", undefined, `${host.name} (${host.user}@${host.host})`);
      const result = await connection.run(command, {
        cwd: remoteDir,
        pidFile: run.pidFile,
        onOutput: (stream, chunk) => batcher.write(chunk, stream),
      });
      builderSound = run.cancel === undefined;
      if (run.cancel === "requested") final = { state: "canceled", reason: "canceled on request" };
      else if (run.cancel === "timeout") final = { state: "failed", reason: `build timed out after ${args.timeout_s} s` };
      else if (result.code === 0) {
        // Only regular files (no links) the build left where rpmbuild/mock write results.
        const outputDir = sandbox === "mock" ? "results" : "rpmbuild/RPMS";
        const listed = await connection.exec(`cd ${shq(remoteDir)} && find ${outputDir} -type f -name '*.rpm' ${sandbox === "mock" ? "" : "! -name '*.src.rpm'"}`);
        const files = listed.stdout.split("\n").filter((f) => f !== "");
        const names = new Set<string>();
        say(`copr-worker: build finished; uploading ${files.length + (sandbox === "mock" ? 0 : 1)} result file(s)`);
        for (const f of files) {
          const name = basename(f);
          if (names.has(name)) throw new Error(`the build wrote two results named ${name}`);
          names.add(name);
          await connection.download(`${remoteDir}/${f}`, join(local, name));
          await this.#upload(args, join(local, name), name);
          say(`copr-worker: uploaded ${name}`);
        }
        // The source RPM published is the one copr-web gave us, not a file the build could have replaced.
        if (sandbox !== "mock") await this.#upload(args, srpmLocal, srpmName);
        final = { state: "succeeded" };
      } else {
        const how = result.signal !== null ? `build killed by ${result.signal}` : `build command exited with code ${String(result.code)}`;
        const limit = limitReason(lastLines, result.signal, limits);
        final = { state: "failed", reason: limit === undefined ? how : `${how}: ${limit}` };
      }
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      builderSound = false;
      final = run.cancel === "requested" ? { state: "canceled", reason: "canceled on request" } : { state: "failed", reason: text };
      batcher.endStreams();
      say(`copr-worker: ${final.state}: ${text}`);
    } finally {
      clearTimeout(timer);
      batcher.endStreams();
      say(`copr-worker: ${final.state}${final.reason === undefined ? "" : ` (${final.reason})`}`);
      await batcher.end();
      try {
        fullLog.end();
        await logWritten;
        await this.#upload(args, logPath, "builder-live.log.gz");
      } catch (err) {
        this.#log.warn({ task: args.task_id, err: String(err) }, "build log not uploaded");
      }
      if (run.connection !== undefined && remoteDir !== undefined) {
        const dir = remoteDir;
        const removed = await run.connection.exec(`rm -rf ${shq(dir)}`).then((r) => r.code === 0, () => false);
        builderSound &&= removed;
        await Promise.resolve(run.connection.close()).catch(() => undefined);
      }
      await run.claim.release(builderSound).catch((err: unknown) => this.#log.warn({ task: args.task_id, err: String(err) }, "builder not given back"));
      await rm(local, { recursive: true, force: true });
      await this.#status(args, final.state, final.reason).catch((err: unknown) => this.#log.error({ task: args.task_id, err: String(err) }, "final status not published"));
      this.#log.info({ task: args.task_id, attempt: args.attempt, host: run.host?.name ?? run.claim.label, state: final.state, reason: final.reason }, "build ended");
    }
    return final.state;
  }

  async #fetchSrpm(args: BuildArgs, path: string): Promise<void> {
    const res = await fetch(args.srpm_url, { headers: { authorization: `Bearer ${this.#token}` } });
    if (!res.ok || res.body === null) throw new Error(`downloading the SRPM from ${args.srpm_url} failed: HTTP ${res.status}`);
    const hash = createHash("sha256");
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        yield chunk;
      }
    }, createWriteStream(path));
    const sha256 = hash.digest("hex");
    if (sha256 !== args.srpm_sha256) throw new Error(`the SRPM's sha256 is ${sha256}, expected ${args.srpm_sha256}`);
  }

  /**
   * Uploads one result file with its sha256, in constant memory: one pass
   * over the file for the checksum (it goes in a header, before the body),
   * then the file streamed as the body.
   */
  async #upload(args: BuildArgs, path: string, name: string): Promise<void> {
    const hash = createHash("sha256");
    await pipeline(createReadStream(path), hash);
    const sha256 = hash.digest("hex");
    const { size } = await stat(path);
    const body = createReadStream(path);
    try {
      const res = await fetch(`${args.results_url}/${encodeURIComponent(name)}`, {
        method: "PUT",
        headers: {
          authorization: `Bearer ${this.#token}`, "x-checksum-sha256": sha256,
          "content-type": "application/octet-stream", "content-length": String(size),
        },
        body,
        duplex: "half",
      });
      if (!res.ok) throw new Error(`uploading ${name} failed: HTTP ${res.status} ${await res.text()}`);
    } finally {
      body.destroy();
    }
  }
}
