/**
 * Every Redis key the project uses, built here and nowhere else. `prefix`
 * namespaces a deployment (default "copr:"); tests use a prefix per test.
 */
export type StatusBucket = "pending" | "running";
export type StatusDimension = "owner" | "arch" | "chroot";
export const STATUS_DIMENSIONS: readonly StatusDimension[] = ["owner", "arch", "chroot"];

export function storeKeys(prefix: string) {
  return {
    prefix,
    user: (name: string) => `${prefix}user:${name}`,
    users: () => `${prefix}users`,
    /** token sha256 → user name */
    token: (sha256: string) => `${prefix}token:${sha256}`,
    /** API login (the user part of Copr's Basic auth) → user name */
    apiLogin: (login: string) => `${prefix}apilogin:${login}`,
    project: (owner: string, name: string) => `${prefix}project:${owner}/${name}`,
    /** zset of "owner/name" by creation time */
    projects: () => `${prefix}projects`,
    /** counter of project ids */
    projectSeq: () => `${prefix}project:seq`,
    /** zset of a project's package names, scored by the id of the newest build of each */
    projectPackages: (owner: string, name: string) => `${prefix}project:${owner}/${name}:packages`,
    /**
     * Project search index: a zset, all scores 0, of "term\towner/name" where
     * term is a lower-cased owner, project name, owner/name or package name,
     * so a prefix search is one ZRANGEBYLEX.
     */
    projectSearch: () => `${prefix}projects:search`,
    /** counter of build ids */
    buildSeq: () => `${prefix}build:seq`,
    build: (id: number) => `${prefix}build:${id}`,
    /** what is left of a deleted build: who deleted it, when, and how it had ended */
    buildTombstone: (id: number) => `${prefix}build:${id}:deleted`,
    /** zset of build ids by id, all builds */
    builds: () => `${prefix}builds`,
    /** zset of build ids by id, one project's */
    projectBuilds: (owner: string, name: string) => `${prefix}project:${owner}/${name}:builds`,
    task: (taskId: string) => `${prefix}task:${taskId}`,
    /** set of task ids not yet in a final state (Headhunter's recovery starts here) */
    activeTasks: () => `${prefix}tasks:active`,
    /** set of task ids an agent was given and has not finished */
    agentTasks: (agent: string) => `${prefix}agent:${agent}:tasks`,
    /** stream of a build's task state changes (resumable by entry id) */
    buildEvents: (id: number) => `${prefix}build:${id}:events`,
    /** stream of every build created and every task move (the home page follows it) */
    activity: () => `${prefix}activity`,
    /** stream of a task's live log */
    taskLog: (taskId: string) => `${prefix}log:${taskId}`,
    /** hash of a task's live log: attempt → lines stored so far (drops redelivered batches) */
    taskLogLines: (taskId: string) => `${prefix}log:${taskId}:lines`,
    /** hash of registered workers: name → JSON */
    workers: () => `${prefix}workers`,
    /** worker token sha256 → worker name */
    workerToken: (sha256: string) => `${prefix}worker-token:${sha256}`,
    /**
     * Status indexes, kept by every task move so status pages never scan:
     * per bucket ("pending" = queued, "running" = starting or running) a
     * count per owner/arch/chroot (hash), a total, all task ids by time
     * (zset), and the task ids of each group (zset).
     */
    statsPrefix: () => `${prefix}stats:`,
    statsCounts: (bucket: StatusBucket, dim: StatusDimension) => `${prefix}stats:${bucket}:count:${dim}`,
    statsTotal: (bucket: StatusBucket) => `${prefix}stats:${bucket}:total`,
    /** per-minute history (minute = ms since the epoch / 60000), kept 2 h; written by the transition script as stats:<name>:at:<minute> */
    statsPendingAt: (minute: number) => `${prefix}stats:pending:at:${minute}`,
    statsEndedAt: (minute: number) => `${prefix}stats:ended:at:${minute}`,
    statsTasks: (bucket: StatusBucket) => `${prefix}stats:${bucket}:tasks`,
    statsGroupTasks: (bucket: StatusBucket, dim: StatusDimension, value: string) => `${prefix}stats:${bucket}:tasks:${dim}:${value}`,
    /** counter of batch ids */
    batchSeq: () => `${prefix}batch:seq`,
    /** hash build id → batch id, for builds in a batch */
    batchOfBuild: () => `${prefix}batch:of-build`,
    /** hash of a batch: blockedBy (batch id it waits for, absent: none) */
    batch: (id: number) => `${prefix}batch:${id}`,
    /** set of a batch's build ids */
    batchBuilds: (id: number) => `${prefix}batch:${id}:builds`,
    /** stream of tasks queued (and shares changed) that Headhunter's scheduler follows */
    schedInbox: () => `${prefix}sched:inbox`,
    /** hash owner → JSON {seconds, at}: decaying builder usage (fair share) */
    schedUsage: () => `${prefix}sched:usage`,
    /** hash owner → admin-set share (weight; absent: 1) */
    schedShares: () => `${prefix}sched:shares`,
    /** hash scope → why pending tasks of that scope wait (see scheduling.ts reasonScope) */
    schedReasons: () => `${prefix}sched:reasons`,
    /** BullMQ key prefix for the queues */
    bullPrefix: () => `${prefix}bull`,
    /** Which Headhunter is active: its instance id, with the lease's expiry (PX). */
    headhunterLease: () => `${prefix}headhunter:lease`,
    /** The fencing epoch: grows by one at every takeover; Headhunter's task moves carry it. */
    headhunterEpoch: () => `${prefix}headhunter:epoch`,
    /** hash: id, epoch and since (ms) of the active Headhunter (for the builders page and metrics). */
    headhunterActive: () => `${prefix}headhunter:active`,
  } as const;
}

export type StoreKeys = ReturnType<typeof storeKeys>;
