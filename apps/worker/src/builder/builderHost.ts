import { StringDecoder } from "node:string_decoder";
import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import { openClient, type ConnectOptions, type SshTarget } from "./openClient.ts";
import { CANCEL_NOT_RUNNING, CANCEL_SURVIVED, cancelScript, runScript } from "./remoteScripts.ts";
import { downloadFile, listRemoteDir, makeRemoteDirs, uploadFile, type RemoteEntry, type SftpCall, type SftpRequest } from "./sftpFiles.ts";
import { SshError, fromConnectionError, fromTransferError } from "./sshErrors.ts";

export type { ConnectOptions } from "./openClient.ts";
export type { RemoteEntry } from "./sftpFiles.ts";

/** One builder host as the worker's configuration describes it: where to log in, and what it builds. */
export interface BuilderHostConfig extends SshTarget {
  /** Architectures the host builds for. */
  arches: string[];
  /** Builds the host runs at the same time. */
  slots: number;
}

export interface ExecResult {
  /** Exit status, or null when the command was killed by a signal. */
  code: number | null;
  /** Signal that killed the command (`SIGKILL`), or null. */
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface RunResult {
  /** Exit status, or null when the build was killed by a signal. */
  code: number | null;
  /** Signal that killed the build (`SIGINT`, `SIGTERM`, `SIGKILL`), or null. */
  signal: string | null;
}

export type OutputStream = "stdout" | "stderr";

export interface RunOptions {
  /** Remote working directory; it must exist (see mkdirp). Default: the builder user's home. */
  cwd?: string;
  /** Remote file that receives the build's process group id while it runs; cancel() reads it. */
  pidFile: string;
  /** Called with output as it arrives, decoded as UTF-8. Must not throw. */
  onOutput?: (stream: OutputStream, chunk: string) => void;
  /** Aborting cancels the build like cancel() and rejects the run with CANCELED once it is gone. */
  signal?: AbortSignal;
  /** Grace between the signals of an abort-triggered cancel, ms. Default 3 000. */
  cancelGraceMs?: number;
}

export interface CancelOptions {
  /** Time between SIGINT, SIGTERM and SIGKILL, ms. Default 3 000. */
  graceMs?: number;
}

export interface CancelResult {
  /** False when no build was running under the pid file. */
  wasRunning: boolean;
  /** Signals sent to the process group, in order. */
  signals: string[];
}

type CloseListener = (error: SshError | undefined) => void;

/**
 * One authenticated SSH connection to a builder host. The host key is
 * checked against the pinned fingerprint before anything is sent; every
 * failure surfaces as an SshError.
 *
 * A build started with run() lives as long as this connection: when the
 * connection ends (close(), the worker killed, the network cut) the build's
 * whole process group is killed on the host (see runScript).
 */
export class BuilderSession {
  /** The host's configuration, without the private key. */
  readonly config: Readonly<Omit<BuilderHostConfig, "privateKey">>;
  readonly #client: Client;
  readonly #pending = new Set<(error: SshError) => void>();
  readonly #closeListeners = new Set<CloseListener>();
  readonly #connectionClosed: Promise<void>;
  #sftp: Promise<SFTPWrapper> | undefined;
  #lastError: unknown;
  #closing: Promise<void> | undefined;
  #disconnected = false;

  private constructor(client: Client, config: BuilderHostConfig) {
    this.#client = client;
    const { privateKey: _key, ...visible } = config;
    this.config = Object.freeze({ ...visible, arches: [...config.arches] });
    client.on("error", (err) => {
      this.#lastError = err;
    });
    this.#connectionClosed = new Promise((resolve) => {
      client.once("close", () => {
        this.#disconnected = true;
        const error = this.#closing === undefined ? this.#closedError("connection lost") : undefined;
        for (const reject of this.#pending) reject(error ?? this.#closedError("session closed"));
        this.#pending.clear();
        for (const listener of this.#closeListeners) listener(error);
        resolve();
      });
    });
  }

  /** Connects, verifies the host key against the pinned fingerprint and authenticates. */
  static async connect(config: BuilderHostConfig, options: ConnectOptions = {}): Promise<BuilderSession> {
    return new BuilderSession(await openClient(config, options), config);
  }

  /** True once the connection is gone (closed by close() or lost). */
  get closed(): boolean {
    return this.#disconnected;
  }

  /** Calls `listener` once when the connection ends: with CLOSED if it was lost, undefined after close(). Returns an unsubscribe function. */
  onClose(listener: CloseListener): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  get #where(): string {
    return `builder host ${this.config.name}`;
  }

  #closedError(what: string): SshError {
    const cause = this.#lastError;
    if (cause !== undefined) return fromConnectionError(cause, "session", this.#where);
    return new SshError("CLOSED", `${this.#where}: ${what}`);
  }

  /**
   * Runs `body` as one operation of this session: it fails with CLOSED if
   * the session is (or becomes) closed before it settles.
   */
  async #operation<T>(body: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined || this.#disconnected) throw this.#closedError("session closed");
    let reject: ((error: SshError) => void) | undefined;
    const closed = new Promise<never>((_, r) => {
      reject = r;
    });
    const failer = (error: SshError): void => reject?.(error);
    this.#pending.add(failer);
    try {
      return await Promise.race([body(), closed]);
    } finally {
      this.#pending.delete(failer);
    }
  }

  /**
   * Runs a command and streams its output; resolves when it has exited and
   * its channel closed. Rejects with CLOSED when the connection goes first.
   *
   * The listeners are attached inside ssh2's exec callback, synchronously:
   * ssh2 emits 'exit' while parsing the same packet batch that confirmed the
   * channel, so a listener attached after an await can miss a short
   * command's exit status.
   */
  async #execStreaming(command: string, onData: (stream: OutputStream, data: Buffer) => void, options: { keepStdinOpen?: boolean } = {}): Promise<RunResult> {
    return await this.#operation(async () => await new Promise<RunResult>((resolve, reject) => {
      const openFailed = (err: unknown): void => {
        if (this.#disconnected) reject(this.#closedError("connection lost"));
        else reject(new SshError("CONNECT_FAILED", `${this.#where}: could not open a session channel: ${String(err)}`, { level: "channel-open", cause: err }));
      };
      const attach = (channel: ClientChannel): void => {
        let exit: RunResult | undefined;
        channel.on("data", (data: Buffer) => onData("stdout", data));
        channel.stderr.on("data", (data: Buffer) => onData("stderr", data));
        channel.on("exit", (code: number | null, signal?: string) => {
          exit = { code: code ?? null, signal: signal ?? null };
        });
        channel.once("close", () => {
          if (exit !== undefined) resolve(exit);
          else reject(this.#closedError("the channel closed before the command reported its exit status"));
        });
        // The command gets EOF on stdin, unless its stdin tells it that this
        // connection is alive (run(): the build stops when the connection goes).
        if (options.keepStdinOpen !== true) channel.end();
      };
      try {
        this.#client.exec(command, (err, channel) => {
          if (err !== undefined) openFailed(err);
          else attach(channel);
        });
      } catch (err) {
        openFailed(err);
      }
    }));
  }

  /** Runs a short command and collects its output. A non-zero exit is a result, not an error. */
  async exec(command: string): Promise<ExecResult> {
    const out: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
    const result = await this.#execStreaming(command, (stream, data) => out[stream].push(data));
    return { ...result, stdout: Buffer.concat(out.stdout).toString("utf8"), stderr: Buffer.concat(out.stderr).toString("utf8") };
  }

  /** exec() that throws COMMAND_FAILED unless the command exits 0. */
  async execChecked(command: string): Promise<ExecResult> {
    const result = await this.exec(command);
    if (result.code !== 0) {
      const how = result.code === null ? `was killed by ${result.signal ?? "a signal"}` : `exited with ${result.code}`;
      throw new SshError("COMMAND_FAILED", `${this.#where}: \`${command}\` ${how}: ${result.stderr.trim().slice(-500)}`, { level: "remote-command" });
    }
    return result;
  }

  /**
   * Runs a long command (a build) as the leader of its own process group,
   * whose id is kept in `pidFile` while it runs, and streams its output.
   * Resolves with its exit status or the signal that killed it.
   */
  async run(command: string, options: RunOptions): Promise<RunResult> {
    const decoders: Record<OutputStream, StringDecoder> = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
    const emit = (stream: OutputStream, text: string): void => {
      if (text !== "") options.onOutput?.(stream, text);
    };
    const abort = options.signal;
    if (abort?.aborted === true) throw new SshError("CANCELED", `${this.#where}: canceled before the build started`, { cause: abort.reason });

    let settled = false;
    let aborted = false;
    let canceling: Promise<void> | undefined;
    const onAbort = (): void => {
      aborted = true;
      canceling = (async () => {
        // The pid file appears only once the build started: try again until the run ends.
        while (!settled) {
          const result = await this.cancel(options.pidFile, { graceMs: options.cancelGraceMs ?? 3_000 });
          if (result.wasRunning) return;
          await new Promise((r) => setTimeout(r, 200));
        }
      })().catch(() => undefined);
    };
    abort?.addEventListener("abort", onAbort, { once: true });
    try {
      const result = await this.#execStreaming(runScript({ command, pidFile: options.pidFile, cwd: options.cwd }), (stream, data) => {
        emit(stream, decoders[stream].write(data));
      }, { keepStdinOpen: true });
      emit("stdout", decoders.stdout.end());
      emit("stderr", decoders.stderr.end());
      if (aborted) {
        throw new SshError("CANCELED", `${this.#where}: the build was canceled (${result.signal ?? `exit ${String(result.code)}`})`, { cause: abort?.reason });
      }
      return result;
    } finally {
      settled = true;
      abort?.removeEventListener("abort", onAbort);
      await canceling;
    }
  }

  /**
   * Cancels the build whose process group id is in `pidFile`, from a
   * separate exec: SIGINT, SIGTERM, SIGKILL to the whole group, `graceMs`
   * apart, stopping as soon as the group is gone. Rejects with CANCEL_FAILED
   * when something survived SIGKILL.
   */
  async cancel(pidFile: string, options: CancelOptions = {}): Promise<CancelResult> {
    const graceMs = options.graceMs ?? 3_000;
    const result = await this.exec(cancelScript({ pidFile, graceMs }));
    const signals = result.stdout.split("\n").filter((s) => s !== "").map((s) => `SIG${s}`);
    if (result.code === 0) return { wasRunning: true, signals };
    if (result.code === CANCEL_NOT_RUNNING) return { wasRunning: false, signals };
    const why = result.code === CANCEL_SURVIVED ? "processes survived SIGKILL" : `the cancel command failed (${result.code ?? result.signal}): ${result.stderr.trim()}`;
    throw new SshError("CANCEL_FAILED", `${this.#where}: cancel of ${pidFile}: ${why}`, { level: "remote-command" });
  }

  async #sftpSession(): Promise<SFTPWrapper> {
    this.#sftp ??= new Promise<SFTPWrapper>((resolve, reject) => {
      try {
        this.#client.sftp((err, sftp) => {
          if (err !== undefined) {
            reject(new SshError("TRANSFER_FAILED", `${this.#where}: could not start SFTP: ${err.message}`, { level: "channel-open", cause: err }));
            return;
          }
          sftp.once("close", () => {
            this.#sftp = undefined;
          });
          resolve(sftp);
        });
      } catch (err) {
        reject(this.#disconnected ? this.#closedError("connection lost") : fromTransferError(err, `${this.#where}: SFTP`));
      }
    });
    const pending = this.#sftp;
    try {
      return await pending;
    } catch (err) {
      if (this.#sftp === pending) this.#sftp = undefined;
      throw err;
    }
  }

  /** Runs one SFTP request; a failure becomes TRANSFER_FAILED (or CLOSED when the connection is gone). */
  readonly #sftpCall: SftpCall = async <T>(what: string, call: SftpRequest<T>): Promise<T> => {
    return await this.#operation(async () => {
      const sftp = await this.#sftpSession();
      return await new Promise<T>((resolve, reject) => {
        call(sftp, (err, value) => {
          if (err !== null && err !== undefined) {
            reject(this.#disconnected ? this.#closedError("connection lost") : fromTransferError(err, `${this.#where}: ${what}`));
          } else resolve(value);
        });
      });
    });
  };

  /** Uploads a local file (e.g. the SRPM). */
  async upload(localPath: string, remotePath: string): Promise<void> {
    await uploadFile(this.#sftpCall, localPath, remotePath);
  }

  /** Downloads a remote file (e.g. a built RPM or log). */
  async download(remotePath: string, localPath: string): Promise<void> {
    await downloadFile(this.#sftpCall, remotePath, localPath);
  }

  /** The entries of a remote directory, without `.` and `..`, sorted by name. */
  async listDir(remoteDir: string): Promise<RemoteEntry[]> {
    return await listRemoteDir(this.#sftpCall, remoteDir);
  }

  /** Creates a remote directory and its missing parents (like mkdir -p). */
  async mkdirp(remoteDir: string): Promise<void> {
    await makeRemoteDirs(this.#sftpCall, remoteDir);
  }

  /** Ends the connection. Safe to call twice; does not stop builds on the host. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#disconnected) {
        this.#client.end();
        const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5_000).unref());
        if ((await Promise.race([this.#connectionClosed, timer])) === "timeout") this.#client.destroy();
      }
      await this.#connectionClosed;
    })();
    await this.#closing;
  }
}
