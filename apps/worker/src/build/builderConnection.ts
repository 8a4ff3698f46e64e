import type { BuilderHostConfig } from "../builder/builderHost.ts";
import type { SandboxLimits } from "./sandbox.ts";

/** What the build runner needs from an SSH session to a builder host (see builder/builderHost.ts). */
export interface BuilderConnection {
  mkdirp(remoteDir: string): Promise<void>;
  upload(localPath: string, remotePath: string): Promise<void>;
  download(remotePath: string, localPath: string): Promise<void>;
  exec(command: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
  run(command: string, options: { cwd?: string; pidFile: string; onOutput: (stream: "stdout" | "stderr", chunk: string) => void }): Promise<{ code: number | null; signal: string | null }>;
  cancel(pidFile: string, options?: { graceMs?: number }): Promise<unknown>;
  close(): Promise<void> | void;
}

/** One builder host from the worker's configuration, with where builds run on it. */
export interface BuilderHost extends BuilderHostConfig {
  /** where builds run on the host, relative to the builder user's home or absolute */
  workDir: string;
  /** resource limits of each build on this host (default DEFAULT_SANDBOX_LIMITS) */
  limits?: SandboxLimits;
}
