import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fastifyStatic from "@fastify/static";
import { repoFileContent, RepoError } from "@copr/repo";
import type { WebDeps } from "../../api/context.ts";
import { HttpError } from "../httpError.ts";
import { renderListing, type ListedEntry } from "./dirListing.ts";
import { safeRelativePath } from "./safePath.ts";

interface ResultsRoute { Params: { "*": string } }
interface RepoRoute { Params: { owner: string; project: string; chroot: string } }

/**
 * Published results: dnf repositories and build directories. Files are sent
 * by @fastify/static (HEAD, Range, ETag, Last-Modified, conditional GETs);
 * directories get a listing with sizes and dates that `wget -r` can crawl.
 * Plus a .repo file per project and chroot.
 */
export function fileRoutes(deps: WebDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(fastifyStatic, {
      root: deps.resultsDir,
      serve: false,
      // Dot files are the publisher's work in progress (temporary repodata); never served.
      dotfiles: "ignore",
      cacheControl: false,
    });
    const serve = async (req: FastifyRequest, reply: FastifyReply, wildcard: string): Promise<FastifyReply> => {
      const urlPath = req.url.split("?")[0] ?? "/results/";
      const relative = safeRelativePath(wildcard);
      if (relative === null) throw new HttpError(404, "NOT_FOUND", `nothing at ${urlPath}`);
      const path = join(deps.resultsDir, relative);
      const st = await stat(path).catch(() => null);
      if (st === null) throw new HttpError(404, "NOT_FOUND", `nothing at ${urlPath}`);
      if (!st.isDirectory()) return reply.sendFile(relative);
      if (!urlPath.endsWith("/")) return reply.redirect(`${urlPath}/`, 301);
      const entries = await Promise.all((await readdir(path, { withFileTypes: true }))
        .filter((d) => !d.name.startsWith("."))
        .map(async (d): Promise<ListedEntry & { dir: boolean } | null> => {
          const s = await stat(join(path, d.name)).catch(() => null);
          return s === null ? null : { name: d.name, href: `${urlPath}${encodeURIComponent(d.name)}`, stats: s, dir: s.isDirectory() };
        }));
      const present = entries.filter((e) => e !== null);
      return reply.type("text/html; charset=utf-8").header("last-modified", st.mtime.toUTCString())
        .send(renderListing(urlPath, present.filter((e) => e.dir), present.filter((e) => !e.dir)));
    };
    app.get<ResultsRoute>("/results/*", (req, reply) => serve(req, reply, req.params["*"]));
    // With the router ignoring trailing slashes, /results/ arrives here too.
    app.get("/results", (req, reply) => serve(req, reply, ""));
    // A .repo file, for `dnf config-manager --add-repo URL`.
    app.get<RepoRoute>("/repos/:owner/:project/:chroot.repo", async (req, reply) => {
      const { owner, project, chroot } = req.params;
      const p = await deps.store.projects.getProject(owner, project);
      if (p === null || !p.chroots.includes(chroot)) throw new HttpError(404, "NOT_FOUND", `no chroot ${chroot} in project ${owner}/${project}`);
      try {
        return await reply.type("text/plain; charset=utf-8").send(repoFileContent({ baseUrl: deps.publicUrl, owner, project, chroot }));
      } catch (error) {
        if (error instanceof RepoError) throw new HttpError(400, error.code, error.message);
        throw error;
      }
    });
  };
}
