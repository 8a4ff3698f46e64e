import type { FastifyPluginCallback } from "fastify";
import type { Project } from "@copr/store";
import type { WebDeps } from "../api/context.ts";
import { deleteProject } from "../builds/deleteProject.ts";
import { HttpError } from "../http/httpError.ts";
import { coprUser } from "./coprAuth.ts";
import { coprBuildConfig, coprProject, coprProjectChroot } from "./coprObjects.ts";
import { projectRequest } from "./coprOptions.ts";
import { listAnswer, pageSize, readPage, type PageQuery } from "./paging.ts";
import { one, optional, queryBool } from "./query.ts";
import { newProject } from "../projects/newProject.ts";

interface ProjectQuery { ownername?: string; projectname?: string }
interface ChrootQuery extends ProjectQuery { chrootname?: string }

/** mock-chroots/list, project/add, project/list, project, project/delete, project-chroot, project-chroot/build-config. */
export function projectRoutes(deps: WebDeps): FastifyPluginCallback {
  async function project(q: ProjectQuery): Promise<Project> {
    const owner = one(q, "ownername");
    const name = one(q, "projectname");
    const p = await deps.store.projects.getProject(owner, name);
    if (p === null) throw new HttpError(404, "NOT_FOUND", `Project ${owner}/${name} does not exist.`);
    return p;
  }
  function chroot(p: Project, q: ChrootQuery): string {
    const name = one(q, "chrootname");
    if (!p.chroots.includes(name)) throw new HttpError(404, "NOT_FOUND", `Chroot ${name} is not enabled in project ${p.owner}/${p.name}; it has: ${p.chroots.join(", ")}`);
    return name;
  }
  return (app, _options, done) => {
    // Copr's answer: chroot name → comment (none here).
    app.get("/mock-chroots/list", () => Object.fromEntries(deps.config.chroots.map((c) => [c, ""])));

    app.post<{ Params: { ownername: string }; Querystring: { exist_ok?: string }; Body: Record<string, unknown> }>("/project/add/:ownername", async (req) => {
      const user = await coprUser(deps, req.headers);
      const owner = req.params.ownername;
      if (owner.startsWith("@")) throw new HttpError(400, "NO_GROUPS", `${owner}: this server has no groups; create the project under your own name`);
      if (owner !== user.name && !user.admin) throw new HttpError(403, "FORBIDDEN", `${user.name} may not create projects for ${owner}`);
      const input = projectRequest(req.body);
      const unknown = input.chroots.filter((c) => !deps.config.chroots.includes(c));
      if (unknown.length > 0) throw new HttpError(400, "UNKNOWN_CHROOT", `unknown chroot ${unknown.join(", ")}; this server offers: ${deps.config.chroots.join(", ")}`);
      const existing = await deps.store.projects.getProject(owner, input.name);
      if (existing !== null) {
        if (queryBool(req.query.exist_ok)) return coprProject(existing, deps.publicUrl);
        throw new HttpError(409, "EXISTS", `You already have a project named '${input.name}'.`);
      }
      return coprProject(await newProject(deps, owner, input.name, input.chroots, input.options), deps.publicUrl);
    });

    app.get<{ Querystring: PageQuery & { ownername?: string } }>("/project/list", async (req) => {
      const page = readPage(req.query, ["id", "name"]);
      const owner = optional(req.query, "ownername");
      const projects = await deps.store.projects.pageProjects({
        ...(owner === undefined ? {} : { owner }), offset: page.offset, limit: pageSize(page), order: page.order === "name" ? "name" : "id", descending: page.order_type === "DESC",
      });
      return listAnswer(projects.map((p) => coprProject(p, deps.publicUrl)), page);
    });

    app.get<{ Querystring: ProjectQuery }>("/project", async (req) => coprProject(await project(req.query), deps.publicUrl));

    // copr-cli delete: the project as it was, once it and its builds are gone.
    app.delete<{ Params: { ownername: string; projectname: string } }>("/project/delete/:ownername/:projectname", async (req) => {
      const user = await coprUser(deps, req.headers);
      return coprProject(await deleteProject(deps, user, req.params.ownername, req.params.projectname), deps.publicUrl);
    });

    app.get<{ Querystring: ChrootQuery }>("/project-chroot", async (req) => {
      const p = await project(req.query);
      return coprProjectChroot(p, chroot(p, req.query));
    });

    app.get<{ Querystring: ChrootQuery }>("/project-chroot/build-config", async (req) => {
      const p = await project(req.query);
      return coprBuildConfig(p, chroot(p, req.query), deps.publicUrl);
    });
    done();
  };
}
