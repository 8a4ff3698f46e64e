import { isSafeProject } from "@copr/domain";
import { StoreError } from "./storeErrors.ts";
import { StorePart } from "./storePart.ts";
import type { Project } from "./types.ts";

/** Projects, their package index and the project search index. */
export class Projects extends StorePart {
  async createProject(owner: string, name: string, chroots: string[], options: { enableNet?: boolean } = {}): Promise<Project> {
    if (!isSafeProject(name)) throw new StoreError("INVALID_NAME", `project name "${name}": use letters, digits, ".", "_", "+" and "-"`);
    const project: Project = { owner, name, chroots: [...new Set(chroots)], createdAt: Date.now(), enableNet: options.enableNet ?? false };
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
    const json = await this.redis.hget(this.keys.project(owner, name), "json");
    return json === null ? null : (JSON.parse(json) as Project);
  }

  async listProjects(limit = 100): Promise<Project[]> {
    const ids = await this.redis.zrevrange(this.keys.projects(), 0, limit - 1);
    const projects = await Promise.all(ids.map((id) => {
      const [owner = "", name = ""] = id.split("/");
      return this.getProject(owner, name);
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
