import { posix } from "node:path";
import type { SFTPWrapper } from "ssh2";
import { SshError } from "./sshErrors.ts";

/** One SFTP request: call `done` exactly once with ssh2's error (or nothing) and the value. */
export type SftpRequest<T> = (sftp: SFTPWrapper, done: (err: Error | null | undefined, value: T) => void) => void;

/**
 * Runs one SFTP request on a session's SFTP channel; `what` names it in
 * errors. The session turns failures into TRANSFER_FAILED or CLOSED.
 */
export type SftpCall = <T>(what: string, request: SftpRequest<T>) => Promise<T>;

export interface RemoteEntry {
  name: string;
  /** Size in bytes. */
  size: number;
  isDirectory: boolean;
}

export async function uploadFile(call: SftpCall, localPath: string, remotePath: string): Promise<void> {
  await call<void>(`upload ${localPath} -> ${remotePath}`, (sftp, done) => {
    sftp.fastPut(localPath, remotePath, (err) => done(err, undefined));
  });
}

export async function downloadFile(call: SftpCall, remotePath: string, localPath: string): Promise<void> {
  await call<void>(`download ${remotePath} -> ${localPath}`, (sftp, done) => {
    sftp.fastGet(remotePath, localPath, (err) => done(err, undefined));
  });
}

/** The entries of a remote directory, without `.` and `..`, sorted by name. */
export async function listRemoteDir(call: SftpCall, remoteDir: string): Promise<RemoteEntry[]> {
  const entries = await call<RemoteEntry[]>(`list ${remoteDir}`, (sftp, done) => {
    sftp.readdir(remoteDir, (err, list) => {
      done(err, err === undefined ? list.map((e) => ({ name: e.filename, size: e.attrs.size, isDirectory: e.attrs.isDirectory() })) : []);
    });
  });
  return entries.filter((e) => e.name !== "." && e.name !== "..").sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** SFTP status 2 (SSH_FX_NO_SUCH_FILE). */
function isNoSuchFile(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === 2;
}

/** Creates a remote directory and its missing parents (like mkdir -p); relative paths start at the user's home. */
export async function makeRemoteDirs(call: SftpCall, remoteDir: string): Promise<void> {
  const normalized = posix.normalize(remoteDir);
  const parts = normalized.split("/").filter((p) => p !== "" && p !== ".");
  let path = normalized.startsWith("/") ? "" : ".";
  for (const part of parts) {
    path = path === "" ? `/${part}` : `${path}/${part}`;
    const current = path;
    const isDir = await call<boolean | undefined>(`stat ${current}`, (sftp, done) => {
      sftp.stat(current, (err, stats) => {
        // A missing entry is not an error here: it is created below.
        if (err !== undefined) done(isNoSuchFile(err) ? undefined : err, undefined);
        else done(undefined, stats.isDirectory());
      });
    });
    if (isDir === true) continue;
    if (isDir === false) throw new SshError("TRANSFER_FAILED", `mkdir ${remoteDir}: ${current} exists and is not a directory`, { level: "sftp" });
    await call<void>(`mkdir ${current}`, (sftp, done) => {
      sftp.mkdir(current, (err) => done(err, undefined));
    });
  }
}
