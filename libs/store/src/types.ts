import type { TaskState } from "@copr/domain";

export interface User {
  name: string;
  admin: boolean;
  /** ms since the epoch */
  createdAt: number;
}

export interface Project {
  owner: string;
  name: string;
  chroots: string[];
  createdAt: number;
  /** Builds may use the network (copr create --enable-net on); absent on older records: off. */
  enableNet?: boolean;
  /** Number in creation order (Copr's project id); absent on records older than it. */
  id?: number;
  /** Free text shown on the project page (Copr's description, instructions, homepage, contact); absent: none. */
  description?: string;
  instructions?: string;
  homepage?: string;
  contact?: string;
  /** Old builds' results are pruned (Copr's auto_prune); absent: on, as in Copr. */
  autoPrune?: boolean;
  /** Being deleted: takes no new builds (set by `projects.markDeleting`, never in the JSON). */
  deleting?: boolean;
  /** Bytes of its builds' result files (kept by `projects.addDiskBytes`, never in the JSON). */
  diskBytes?: number;
  /** Fingerprint of its signing key once the signer made it (`projects.setSigningKey`, never in the JSON). */
  signingKey?: string;
}

/** What a new project may say besides its name and chroots. */
export type ProjectOptions = Partial<Pick<Project, "enableNet" | "description" | "instructions" | "homepage" | "contact" | "autoPrune">>;

export interface SrpmInfo {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  sha256: string;
  /** bytes */
  size: number;
  /** file name under the upload directory */
  file: string;
}

export interface Build {
  id: number;
  owner: string;
  project: string;
  submittedBy: string;
  submittedAt: number;
  srpm: SrpmInfo;
  taskIds: string[];
  /** How long each chroot's build may run, seconds (absent on builds stored before it existed: the default). */
  timeoutS?: number;
  /** The build may use the network: the build's --enable-net, else its project's (absent on older records: off). */
  enableNet?: boolean;
  /** Runs only when no ordinary task of its arch could start (copr build --background). */
  background?: boolean;
}

export interface Task {
  id: string;
  buildId: number;
  owner: string;
  project: string;
  chroot: string;
  arch: string;
  state: TaskState;
  /** 0 for the first host, +1 per retry on another host */
  attempt: number;
  agent: string | null;
  reason: string | null;
  /** agents that tried it, in order */
  hosts: string[];
  /** A background task (see Build.background); absent: ordinary. */
  background?: boolean;
  /** builder host of the current attempt once it runs, as `name (user@address)`; absent on older records */
  builder?: string | null;
  queuedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Why a pending task waits (computed when read for a page, never stored). */
  wait?: string;
}

export interface WorkerRecord {
  name: string;
  tokenSha256: string;
  drain: boolean;
  addedAt: number;
}
