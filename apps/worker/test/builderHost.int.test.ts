import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { utils } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SshdInstance, freePort, until } from "@copr/testkit";
import { BuilderSession, type BuilderHostConfig, type OutputStream } from "../src/builder/builderHost.ts";
import { SshError } from "../src/builder/sshErrors.ts";

const run = promisify(execFile);

// A private builder host for this file; no other file touches it.
let sshd: SshdInstance;
let localDir: string;

beforeAll(async () => {
  sshd = await SshdInstance.start();
  localDir = await mkdtemp(join(tmpdir(), "builder-host-test-"));
});

afterAll(async () => {
  await sshd?.close();
  if (localDir !== undefined) await rm(localDir, { recursive: true, force: true });
});

function hostConfig(overrides: Partial<BuilderHostConfig> = {}): BuilderHostConfig {
  return {
    name: `test-${sshd.port}`, host: sshd.host, port: sshd.port, user: sshd.user, privateKey: sshd.privateKey,
    hostKeyFingerprint: sshd.hostKeyFingerprint, arches: ["x86_64"], slots: 1, ...overrides,
  };
}

async function connect(overrides: Partial<BuilderHostConfig> = {}): Promise<BuilderSession & AsyncDisposable> {
  const session = await BuilderSession.connect(hostConfig(overrides), { timeoutMs: 10_000 });
  return Object.assign(session, { [Symbol.asyncDispose]: () => session.close() });
}

/** The SshError a promise rejects with (fails the test if it resolves or throws something else). */
async function sshErrorOf(promise: Promise<unknown>): Promise<SshError> {
  const error = await promise.then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(SshError);
  return error as SshError;
}

interface Proc {
  pid: number;
  pgid: number;
  args: string;
}

/** Live (non-zombie) processes of the builder user whose command line matches `args`, seen locally (sshd is local). */
async function liveProcesses(args: RegExp): Promise<Proc[]> {
  const { stdout } = await run("ps", ["-u", sshd.user, "-o", "pid=,pgid=,stat=,args="]).catch(() => ({ stdout: "" }));
  return stdout.split("\n").flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m === null || m[3]?.startsWith("Z") === true || !args.test(m[4] ?? "")) return [];
    return [{ pid: Number(m[1]), pgid: Number(m[2]), args: m[4] ?? "" }];
  });
}

/** Starts a build; a failing assertion before it is awaited must not leave an unhandled rejection behind. */
function started<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

async function sshdLog(): Promise<string> {
  return await readFile(sshd.logFile, "utf8");
}

async function waitForFile(session: BuilderSession, path: string): Promise<string> {
  let content = "";
  await until(async () => {
    const r = await session.exec(`cat ${path}`);
    content = r.stdout.trim();
    return r.code === 0 && content !== "";
  }, 30_000, `${path} to appear`, 100);
  return content;
}

describe("the private builder host", () => {
  it("pins the fingerprint that ssh-keygen -lf prints for its host key", async () => {
    const { stdout } = await run("ssh-keygen", ["-lf", join(sshd.dir, "host_ed25519_key.pub")]);
    expect(stdout.split(" ")[1]).toBe(sshd.hostKeyFingerprint);
  });
});

describe("BuilderSession commands", () => {
  it("exec returns stdout, stderr and the exit status", async () => {
    await using session = await connect();
    const r = await session.exec("echo hello; echo oops >&2");
    expect(r).toEqual({ code: 0, signal: null, stdout: "hello\n", stderr: "oops\n" });
  });

  it("runs builder commands as the non-root builder user, in its work dir", async () => {
    await using session = await connect();
    const r = await session.exec(`id -u; id -un; cd ${sshd.workDir} && touch probe && stat -c %U probe`);
    const [uid, name, owner] = r.stdout.trim().split("\n");
    expect(Number(uid)).not.toBe(0);
    expect(name).toBe(sshd.user);
    expect(owner).toBe(sshd.user);
  });

  it("run streams output in order while the command runs and returns code 0", async () => {
    await using session = await connect();
    const dir = `${sshd.workDir}/stream-${randomBytes(4).toString("hex")}`;
    await session.exec(`mkdir -p ${dir}`);
    const chunks: { stream: OutputStream; text: string }[] = [];
    // The command waits for a file that the test writes only once it has seen
    // the first line: it cannot end unless its output streamed while it ran.
    let go: Promise<unknown> | undefined;
    const result = await session.run("echo line 1; echo err 1 >&2; while [ ! -e go ]; do sleep 0.05; done; " +
      "for i in 2 3 4 5; do echo line $i; echo err $i >&2; done; pwd", {
      cwd: dir,
      pidFile: `${dir}/stream.pid`,
      onOutput: (stream, text) => {
        chunks.push({ stream, text });
        if (stream === "stdout") go ??= session.exec(`touch ${dir}/go`);
      },
    });
    await go;
    expect(result).toEqual({ code: 0, signal: null });
    const out = chunks.filter((c) => c.stream === "stdout").map((c) => c.text).join("");
    const err = chunks.filter((c) => c.stream === "stderr").map((c) => c.text).join("");
    expect(out).toBe(`line 1\nline 2\nline 3\nline 4\nline 5\n${dir}\n`);
    expect(err).toBe("err 1\nerr 2\nerr 3\nerr 4\nerr 5\n");
    // The pid file is gone once the build ended.
    expect((await session.exec(`test -e ${dir}/stream.pid`)).code).not.toBe(0);
  });

  it("run returns the non-zero exit status of a failing command", async () => {
    await using session = await connect();
    let stderr = "";
    const result = await session.run("echo 'it'\"'\"'s broken' >&2; exit 3", {
      cwd: sshd.workDir, pidFile: `${sshd.workDir}/fail.pid`, onOutput: (s, t) => { if (s === "stderr") stderr += t; },
    });
    expect(result).toEqual({ code: 3, signal: null });
    expect(stderr).toBe("it's broken\n");
  });

  it("execChecked turns a non-zero exit into COMMAND_FAILED", async () => {
    await using session = await connect();
    const error = await sshErrorOf(session.execChecked("false"));
    expect(error.code).toBe("COMMAND_FAILED");
    expect(error.fault).toBe("build");
  });
});

describe("BuilderSession transfers", () => {
  it("uploads 1 MiB and downloads it back unchanged", async () => {
    await using session = await connect();
    const data = randomBytes(1024 * 1024);
    const local = join(localDir, "upload.bin");
    await writeFile(local, data);
    const remoteDir = `${sshd.workDir}/t1/a/b`;
    await session.mkdirp(remoteDir);
    await session.mkdirp(remoteDir); // exists already: fine
    await session.upload(local, `${remoteDir}/pkg.src.rpm`);
    expect(await session.listDir(remoteDir)).toEqual([{ name: "pkg.src.rpm", size: data.length, isDirectory: false }]);
    expect(await session.listDir(`${sshd.workDir}/t1`)).toEqual([{ name: "a", size: expect.any(Number) as number, isDirectory: true }]);
    const back = join(localDir, "download.bin");
    await session.download(`${remoteDir}/pkg.src.rpm`, back);
    const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
    expect(sha(await readFile(back))).toBe(sha(data));
    // The remote file belongs to the builder user.
    expect((await session.exec(`stat -c %U ${remoteDir}/pkg.src.rpm`)).stdout.trim()).toBe(sshd.user);
  });

  it("reports a missing remote file as TRANSFER_FAILED with the SFTP status", async () => {
    await using session = await connect();
    const error = await sshErrorOf(session.download(`${sshd.workDir}/does-not-exist`, join(localDir, "x")));
    expect(error.code).toBe("TRANSFER_FAILED");
    expect(error.level).toBe("sftp");
    expect(error.sftpStatus).toBe(2);
  });

  it("reports a missing local file as TRANSFER_FAILED on the local side", async () => {
    await using session = await connect();
    const error = await sshErrorOf(session.upload(join(localDir, "nope"), `${sshd.workDir}/nope`));
    expect(error.code).toBe("TRANSFER_FAILED");
    expect(error.level).toBe("local-fs");
  });
});

describe("BuilderSession connection failures", () => {
  it("refuses a host whose key is not the pinned one, before authenticating", async () => {
    const ports = (log: string): string[] => [...log.matchAll(/^Connection from \S+ port (\d+)/gm)].map((m) => m[1] ?? "");
    const before = new Set(ports(await sshdLog()));
    const wrong = `SHA256:${createHash("sha256").update("another host").digest("base64").replace(/=+$/, "")}`;
    const error = await sshErrorOf(BuilderSession.connect(hostConfig({ hostKeyFingerprint: wrong }), { timeoutMs: 10_000 }));
    expect(error.code).toBe("HOST_KEY_MISMATCH");
    expect(error.fault).toBe("infrastructure");
    expect(error.message).toContain(wrong);
    expect(error.message).toContain(sshd.hostKeyFingerprint);
    // Once sshd has logged the end of that connection, it never saw a login from it.
    const fresh = async (): Promise<string[]> => ports(await sshdLog()).filter((p) => !before.has(p));
    await until(async () => (await fresh()).length > 0, 30_000, "sshd to log the refused connection");
    const [port, ...others] = await fresh();
    expect(others).toEqual([]);
    const ended = new RegExp(`^(Connection closed by|Connection reset by|Disconnected from) .*port ${port}\\b`, "m");
    await until(async () => ended.test(await sshdLog()), 30_000, `sshd to log the end of the connection from port ${port}`);
    expect(await sshdLog()).not.toMatch(new RegExp(`^Accepted .* port ${port}\\b`, "m"));
  });

  it("reports a key the host does not accept as AUTH_FAILED", async () => {
    // ssh2's generator writes a key its own parser refuses about once in 250 tries: take one it reads.
    let other = utils.generateKeyPairSync("ed25519");
    while (utils.parseKey(other.private) instanceof Error) other = utils.generateKeyPairSync("ed25519");
    const error = await sshErrorOf(BuilderSession.connect(hostConfig({ privateKey: other.private }), { timeoutMs: 10_000 }));
    expect(error.code).toBe("AUTH_FAILED");
    expect(error.level).toBe("client-authentication");
  });

  it("reports an unusable configured key as AUTH_FAILED", async () => {
    const error = await sshErrorOf(BuilderSession.connect(hostConfig({ privateKey: "not a key" }), { timeoutMs: 10_000 }));
    expect(error.code).toBe("AUTH_FAILED");
    expect(error.level).toBe("config");
  });

  it("reports nothing listening as CONNECT_FAILED", async () => {
    const port = await freePort();
    const error = await sshErrorOf(BuilderSession.connect(hostConfig({ port }), { timeoutMs: 10_000 }));
    expect(error.code).toBe("CONNECT_FAILED");
    expect(error.level).toBe("client-socket");
    expect(error.fault).toBe("infrastructure");
  });

  it("close() is idempotent and later calls fail with CLOSED", async () => {
    const session = await connect();
    await session.close();
    await session.close();
    expect(session.closed).toBe(true);
    expect((await sshErrorOf(session.exec("true"))).code).toBe("CLOSED");
    expect((await sshErrorOf(session.listDir("."))).code).toBe("CLOSED");
  });
});

describe("cancelling a build", () => {
  it("kills the whole process group, including a child forked in a subshell", async () => {
    await using session = await connect();
    const pidFile = `${sshd.workDir}/cancel.pid`;
    let output = "";
    // `(sleep 313) &` is started with SIGINT ignored (background job of a
    // non-interactive shell): only TERM stops it.
    const running = started(session.run("echo started; (sleep 313) & sleep 300", { cwd: sshd.workDir, pidFile, onOutput: (_s, t) => { output += t; } }));
    const pgid = Number(await waitForFile(session, pidFile));
    // The pid file is written before the command starts: wait for both sleeps.
    await until(async () => (await liveProcesses(/^sleep (313|300)$/)).length === 2, 30_000, "both sleeps to start");
    const sleeps = await liveProcesses(/^sleep (313|300)$/);
    expect(sleeps.map((p) => p.pgid)).toEqual([pgid, pgid]);

    await using canceller = await connect();
    // A long grace: TERM ends the group at once, and KILL must not follow on a slow machine.
    const outcome = await canceller.cancel(pidFile, { graceMs: 3000 });
    expect(outcome.wasRunning).toBe(true);
    expect(outcome.signals).toEqual(["SIGINT", "SIGTERM"]);

    const result = await running;
    expect(result.code).toBeNull();
    expect(result.signal).toBe("SIGINT");
    expect(output).toBe("started\n");
    expect((await liveProcesses(/./)).filter((p) => p.pgid === pgid || sleeps.some((s) => s.pid === p.pid))).toEqual([]);
    // Nothing left to cancel.
    expect(await canceller.cancel(pidFile)).toEqual({ wasRunning: false, signals: [] });
  });

  it("ends with SIGKILL a build that ignores INT and TERM", async () => {
    await using session = await connect();
    const pidFile = `${sshd.workDir}/stubborn.pid`;
    const running = started(session.run("trap '' INT TERM; while :; do sleep 1; done", { cwd: sshd.workDir, pidFile }));
    await waitForFile(session, pidFile);
    const outcome = await session.cancel(pidFile, { graceMs: 300 });
    expect(outcome.signals).toEqual(["SIGINT", "SIGTERM", "SIGKILL"]);
    expect(await running).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("aborting the run's signal cancels it and rejects with CANCELED", async () => {
    await using session = await connect();
    const controller = new AbortController();
    const pidFile = `${sshd.workDir}/abort.pid`;
    const running = started(session.run("sleep 307", { cwd: sshd.workDir, pidFile, signal: controller.signal, cancelGraceMs: 500 }));
    await waitForFile(session, pidFile);
    controller.abort(new Error("user canceled build 42"));
    const error = await sshErrorOf(running);
    expect(error.code).toBe("CANCELED");
    expect(error.fault).toBe("request");
    expect(await liveProcesses(/^sleep 307$/)).toEqual([]);
  });
});

describe("a build lives only as long as its connection", () => {
  it("is killed, with everything it started, when the worker's connection closes", async () => {
    const pidFile = `${sshd.workDir}/orphan.pid`;
    const first = await connect();
    // A daemon of its own session, and a quiet build: nothing writes to the closed channel.
    const running = started(first.run("setsid sleep 329 & sleep 319", { cwd: sshd.workDir, pidFile }));
    await waitForFile(first, pidFile);
    await until(async () => (await liveProcesses(/^sleep 3[12]9$/)).length === 2, 30_000, "both sleeps to start");
    await first.close();
    expect((await sshErrorOf(running)).code).toBe("CLOSED");
    // OpenSSH leaves a command without a PTY running; the run's watchdog does not.
    await until(async () => (await liveProcesses(/^sleep 319$/)).length === 0, 30_000, "the build to be killed");
    await using second = await connect();
    expect(await second.cancel(pidFile)).toEqual({ wasRunning: false, signals: [] });
    // Outside a sandbox a daemon that left the group survives: builds run in one (see sandbox.int.test.ts).
    await run("pkill", ["-u", sshd.user, "-f", "^sleep 329$"]).catch(() => undefined);
  });
});

describe("losing the builder host", () => {
  it("fails a running build with CLOSED and tells onClose when sshd dies", async () => {
    const session = await connect();
    try {
      const closes: (SshError | undefined)[] = [];
      session.onClose((e) => closes.push(e));
      const running = started(session.run("sleep 311", { cwd: sshd.workDir, pidFile: `${sshd.workDir}/lost.pid` }));
      await waitForFile(session, `${sshd.workDir}/lost.pid`);
      await sshd.kill();
      const error = await sshErrorOf(running);
      expect(error.code).toBe("CLOSED");
      expect(error.fault).toBe("infrastructure");
      expect(session.closed).toBe(true);
      expect(closes.map((e) => e?.code)).toEqual(["CLOSED"]);
      // The test kit took the build down with the host.
      expect(await liveProcesses(/^sleep 311$/)).toEqual([]);
    } finally {
      await session.close();
      await sshd.restart();
    }
    await using again = await connect();
    expect((await again.exec("echo back")).stdout).toBe("back\n");
  });
});
