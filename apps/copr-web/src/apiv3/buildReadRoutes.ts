import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyPluginCallback } from "fastify";
import { readRpmInfo } from "@copr/rpm";
import { resultDir } from "@copr/repo";
import type { Build } from "@copr/store";
import type { WebDeps } from "../api/context.ts";
import { buildView, type BuildView } from "../builds/buildView.ts";
import { HttpError } from "../http/httpError.ts";
import { coprBuild, coprBuildChroot } from "./coprObjects.ts";
import { listAnswer, pageSize, readPage, type PageQuery } from "./paging.ts";
import { buildIdParam, one, optional } from "./query.ts";

/** Reading builds anonymously: build/<id>, build/list, build-chroot/list, build-chroot, build/built-packages/<id>. */
export function buildReadRoutes(deps: WebDeps): FastifyPluginCallback {
  async function view(idText: string | undefined): Promise<BuildView> {
    const id = buildIdParam(idText);
    const v = await buildView(deps.store, id);
    if (v !== null) return v;
    const gone = await deps.store.deletions.tombstone(id);
    throw new HttpError(404, "NOT_FOUND", gone === null ? `Build ${id} does not exist.` : `Build ${id} was deleted by ${gone.deletedBy}.`);
  }
  return (app, _options, done) => {
    app.get<{ Params: { id: string } }>("/build/:id", async (req) => coprBuild(await view(req.params.id), deps.publicUrl));

    app.get<{ Querystring: PageQuery & { ownername?: string; projectname?: string; packagename?: string; status?: string } }>("/build/list", async (req) => {
      const owner = one(req.query, "ownername");
      const project = one(req.query, "projectname");
      for (const filter of ["packagename", "status"] as const) {
        if (optional(req.query, filter) !== undefined) throw new HttpError(400, "UNSUPPORTED", `this server cannot filter build/list by ${filter} yet; leave it out`);
      }
      const page = readPage(req.query, ["id"]);
      if ((await deps.store.projects.getProject(owner, project)) === null) throw new HttpError(404, "NOT_FOUND", `Project ${owner}/${project} does not exist.`);
      const ids = await deps.store.builds.pageBuildIds(owner, project, { offset: page.offset, limit: pageSize(page), ascending: page.order_type === "ASC" });
      const views = await Promise.all(ids.map((id) => buildView(deps.store, id)));
      return listAnswer(views.filter((v) => v !== null).map((v) => coprBuild(v, deps.publicUrl)), page);
    });

    app.get<{ Querystring: PageQuery & { build_id?: string } }>("/build-chroot/list", async (req) => {
      const v = await view(one(req.query, "build_id"));
      const page = readPage(req.query, ["id"]);
      const chroots = v.tasks.map((t) => coprBuildChroot(v.build, t, deps.publicUrl));
      return listAnswer(chroots.slice(page.offset, page.offset + pageSize(page)), page);
    });

    app.get<{ Querystring: { build_id?: string; chrootname?: string } }>("/build-chroot", async (req) => {
      const v = await view(one(req.query, "build_id"));
      const name = one(req.query, "chrootname");
      const task = v.tasks.find((t) => t.chroot === name);
      if (task === undefined) throw new HttpError(404, "NOT_FOUND", `Build ${v.build.id} has no chroot ${name}.`);
      return coprBuildChroot(v.build, task, deps.publicUrl);
    });

    app.get<{ Params: { id: string } }>("/build/built-packages/:id", async (req) => {
      const v = await view(req.params.id);
      const entries = await Promise.all(v.tasks.map(async (t) => [t.chroot, { packages: await builtPackages(deps, v.build, t.chroot) }] as const));
      return Object.fromEntries(entries);
    });
    done();
  };
}

/** The packages in a chroot's published result directory (none before it is published). */
async function builtPackages(deps: WebDeps, build: Build, chroot: string): Promise<{ name: string; epoch: number; version: string; release: string; arch: string }[]> {
  const dir = resultDir(deps.resultsDir, { owner: build.owner, project: build.project, chroot, buildId: build.id, packageName: build.srpm.name });
  const names = await readdir(dir).catch(() => [] as string[]);
  const rpms = names.filter((n) => n.endsWith(".rpm") && !n.startsWith(".")).sort();
  const infos = await Promise.all(rpms.map((n) => readRpmInfo(join(dir, n), { requireSource: false }).catch(() => null)));
  return infos.filter((i) => i !== null).map((i) => ({ name: i.name, epoch: i.epoch ?? 0, version: i.version, release: i.release, arch: i.isSource ? "src" : i.arch }));
}
