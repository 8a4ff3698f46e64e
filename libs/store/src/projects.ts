import { isSafeProject } from "@copr/domain";
import { StoreError } from "./storeErrors.ts";
import { StorePart } from "./storePart.ts";
import type { Project, ProjectOptions } from "./types.ts";

/** Projects, their package index and the project search index. */
export class Projects extends StorePart {
  async createProject(owner: string, name: string, chroots: string[], options: ProjectOptions = {}): Promise<Project> {
    if (!isSafeProject(name)) throw new StoreError("INVALID_NAME", `project name "${name}": use letters, digits, ".", "_", "+" and "-"`);
    if ((await this.redis.hexists(this.keys.project(owner, name), "json")) === 1) throw new StoreError("EXISTS", `project ${owner}/${name} already exists`);
    const text = Object.fromEntries((["description", "instructions", "homepage", "contact"] as const).flatMap((k) => {
      const v = options[k];
      return v === undefined || v === "" ? [] : [[k, v]];
    }));
    const project: Project = {
      owner, name, chroots: [...new Set(chroots)], createdAt: Date.now(), enableNet: options.enableNet ?? false,
      // An id is used up by a refused duplicate only when two requests race.
      id: await this.redis.incr(this.keys.projectSeq()), ...text,
      ...(options.autoPrune === false ? { autoPrune: false } : {}),
    };
    const created = await this.redis.hsetnx(this.keys.project(owner, name), "json", JSON.stringify(project));
    if (created === 0) throw new StoreError("EXISTS", `project ${owner}/${name} already exists`);
    const id = `${owner}/${name}`;
    await this.redis.multi()
      .zadd(this.keys.projects(), project.createdAt, id)
      .zadd(this.keys.projectSearch(), ...[owner, name, id].flatMap((term) => [0, searchEntry(term, id)]))
      .exec();
    return project;
  }

  /** A project's package names, newest build first. */
  async projectPackages(owner: string, name: string, limit = 1000): Promise<string[]> {
    return await this.redis.zrevrange(this.keys.projectPackages(owner, name), 0, limit - 1);
  }

  /**
   * Projects whose owner, name, owner/name or one of whose package names
   * starts with `query` (case-insensitive), from the search index: one
   * ZRANGEBYLEX, never a scan. An empty query lists the newest projects.
   */
  async searchProjects(query: string, limit = 100): Promise<Project[]> {
    const q = query.trim().toLowerCase();
    if (q === "") return await this.listProjects(limit);
    const ids: string[] = [];
    let offset = 0;
    // Several terms of one project can match: read on until `limit` distinct projects.
    while (ids.length < limit) {
      const page = await this.redis.zrangebylex(this.keys.projectSearch(), `[${q}`, Buffer.concat([Buffer.from(`[${q}`), Buffer.from([0xff])]), "LIMIT", offset, 500);
      for (const entry of page) {
        const id = entry.slice(entry.lastIndexOf("\t") + 1);
        if (!ids.includes(id)) ids.push(id);
        if (ids.length >= limit) break;
      }
      if (page.length < 500) break;
      offset += page.length;
    }
    const projects = await Promise.all(ids.map((id) => {
      const [owner = "", name = ""] = id.split("/");
      return this.getProject(owner, name);
    }));
    return projects.filter((p): p is Project => p !== null);
  }

  async getProject(owner: string, name: string): Promise<Project | null> {
    const [json, deleting, diskBytes, signingKey] = await this.redis.hmget(this.keys.project(owner, name), "json", "deleting", "diskBytes", "signingKey");
    if (json === null || json === undefined) return null;
    const project = JSON.parse(json) as Project;
    return {
      ...project,
      ...(deleting === "1" ? { deleting: true } : {}),
      ...(signingKey === null || signingKey === undefined ? {} : { signingKey }),
      ...(diskBytes === null || diskBytes === undefined ? {} : { diskBytes: Math.max(0, Number(diskBytes)) }),
    };
  }

  /** Counts result bytes added to (or, negative, removed from) a project's results. */
  async addDiskBytes(owner: string, name: string, delta: number): Promise<void> {
    if (delta === 0) return;
    const key = this.keys.project(owner, name);
    // Only while the project exists: a late upload must not bring back a deleted project's hash.
    if ((await this.redis.hexists(key, "json")) === 1) await this.redis.hincrby(key, "diskBytes", delta);
  }

  /** Records the fingerprint of the project's signing key (Headhunter, from the signer's answer); only while the project exists. */
  async setSigningKey(owner: string, name: string, fingerprint: string): Promise<void> {
    const key = this.keys.project(owner, name);
    if ((await this.redis.hexists(key, "json")) === 1) await this.redis.hset(key, "signingKey", fingerprint);
  }

  /** Marks a project as being deleted: from now on it takes no new builds. False when there is no such project. */
  async markDeleting(owner: string, name: string): Promise<boolean> {
    const key = this.keys.project(owner, name);
    if ((await this.redis.hexists(key, "json")) === 0) return false;
    await this.redis.hset(key, "deleting", "1");
    return true;
  }

  /** Removes a project's records and index entries (its builds must be deleted first). */
  async removeProject(owner: string, name: string): Promise<void> {
    const id = `${owner}/${name}`;
    const packages = await this.redis.zrange(this.keys.projectPackages(owner, name), "0", "-1");
    const results = await this.redis.multi()
      .del(this.keys.project(owner, name), this.keys.projectPackages(owner, name), this.keys.projectBuilds(owner, name))
      .zrem(this.keys.projects(), id)
      .zrem(this.keys.projectSearch(), ...[owner, name, id].map((term) => searchEntry(term, id)))
      .exec();
    const failed = results?.find(([err]) => err !== null);
    if (results === null || failed !== undefined) throw failed?.[0] ?? new Error("project removal aborted");
    // Package terms of other projects stay: only this project's entries go.
    if (packages.length > 0) await this.redis.zrem(this.keys.projectSearch(), ...packages.map((p) => searchEntry(p, id)));
  }

  /** Every build id of a project, oldest first. */
  async projectBuildIds(owner: string, name: string): Promise<number[]> {
    return (await this.redis.zrange(this.keys.projectBuilds(owner, name), "0", "-1")).map(Number);
  }

  async listProjects(limit = 100): Promise<Project[]> {
    return await this.getProjects(await this.redis.zrevrange(this.keys.projects(), 0, limit - 1));
  }

  /**
   * A page of projects (Copr's limit/offset paging), by id (creation order)
   * or name: one owner's, from the search index, or everyone's.
   */
  async pageProjects(options: { owner?: string; offset: number; limit: number; order: "id" | "name"; descending: boolean }): Promise<Project[]> {
    const { offset, limit, order, descending } = options;
    if (options.owner === undefined && order === "id") {
      const key = this.keys.projects();
      const stop = offset + limit - 1;
      return await this.getProjects(descending ? await this.redis.zrevrange(key, offset, stop) : await this.redis.zrange(key, String(offset), String(stop)));
    }
    const ids = options.owner === undefined ? await this.redis.zrange(this.keys.projects(), "0", "-1") : await this.ownerProjectIds(options.owner);
    const all = await this.getProjects(ids);
    const key = (p: Project): number | string => (order === "id" ? (p.id ?? 0) : p.name);
    all.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (descending ? -1 : 1));
    return all.slice(offset, offset + limit);
  }

  /** "owner/name" of every project of `owner`, sorted by name. */
  private async ownerProjectIds(owner: string): Promise<string[]> {
    const term = `${owner.toLowerCase()}\t`;
    const entries = await this.redis.zrangebylex(this.keys.projectSearch(), `[${term}`, Buffer.concat([Buffer.from(`[${term}`), Buffer.from([0xff])]));
    const ids = entries.map((e) => e.slice(term.length)).filter((id) => id.startsWith(`${owner}/`));
    return [...new Set(ids)].sort();
  }

  private async getProjects(ids: readonly string[]): Promise<Project[]> {
    const projects = await Promise.all(ids.map((id) => {
      const slash = id.indexOf("/");
      return this.getProject(id.slice(0, slash), id.slice(slash + 1));
    }));
    return projects.filter((p): p is Project => p !== null);
  }

  /** A project's packages, each with the id of its newest build, newest first. */
  async projectPackageBuilds(owner: string, name: string, limit = 200): Promise<{ name: string; buildId: number }[]> {
    const flat = await this.redis.zrevrange(this.keys.projectPackages(owner, name), 0, limit - 1, "WITHSCORES");
    const out: { name: string; buildId: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ name: flat[i] ?? "", buildId: Number(flat[i + 1]) });
    return out;
  }
}

/** An entry of the project search index: the lower-cased term, a tab, the project id. */
export function searchEntry(term: string, projectId: string): string {
  return `${term.toLowerCase()}\t${projectId}`;
}
