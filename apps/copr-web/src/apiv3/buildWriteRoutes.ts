import type { FastifyPluginCallback } from "fastify";
import { isFinal } from "@copr/domain";
import type { WebDeps } from "../api/context.ts";
import { buildView, type BuildView } from "../builds/buildView.ts";
import { fetchSrpm } from "../builds/fetchSrpm.ts";
import { deleteBuilds } from "../builds/deleteBuilds.ts";
import { acceptSrpm, planSubmit } from "../builds/submitBuild.ts";
import { waitForBuildEnd } from "../builds/waitForBuildEnd.ts";
import { HttpError } from "../http/httpError.ts";
import { coprUser } from "./coprAuth.ts";
import { coprBuild } from "./coprObjects.ts";
import { buildRequest, packageUrls } from "./coprOptions.ts";
import { buildIdParam } from "./query.ts";

/** How long a cancel waits for the build to end before answering with its state then. */
const CANCEL_WAIT_MS = 10_000;

type Body = Record<string, unknown>;

/** Writes on builds: check-before-build, create/url, cancel, delete. The upload is in buildUploadRoute. */
export function buildWriteRoutes(deps: WebDeps): FastifyPluginCallback {
  return (app, _options, done) => {
    // copr-cli asks this before uploading, so a build that would be refused costs no upload.
    app.post<{ Body: Body }>("/build/check-before-build", async (req) => {
      const user = await coprUser(deps, req.headers);
      await planSubmit(deps, user, await buildRequest(req.body, deps.store.projects));
      return { message: "It should be safe to submit a build like this" };
    });

    // One build per URL; Copr answers with a list even for one.
    app.post<{ Body: Body }>("/build/create/url", async (req) => {
      const user = await coprUser(deps, req.headers);
      const { pkgs: _pkgs, ...options } = req.body;
      const urls = packageUrls(req.body);
      const plan = await planSubmit(deps, user, await buildRequest(options, deps.store.projects));
      const views: BuildView[] = [];
      for (const url of urls) views.push(await acceptSrpm(deps, plan, await fetchSrpm(deps, url)));
      return { items: views.map((v) => coprBuild(v, deps.publicUrl)), meta: {} };
    });

    // copr-cli sends PUT; upstream takes POST too.
    app.route<{ Params: { id: string } }>({
      method: ["PUT", "POST"],
      url: "/build/cancel/:id",
      handler: async (req) => {
        const user = await coprUser(deps, req.headers);
        const id = buildIdParam(req.params.id);
        const v = await buildView(deps.store, id);
        if (v === null) throw new HttpError(404, "NOT_FOUND", `Build ${id} does not exist.`);
        if (v.build.owner !== user.name && !user.admin) throw new HttpError(403, "FORBIDDEN", `build ${id} belongs to ${v.build.owner}; only the owner or an admin may cancel it`);
        if (v.tasks.every((t) => isFinal(t.state))) throw new HttpError(409, "ALREADY_ENDED", `Cannot cancel build ${id}: it has already ended (${v.state}).`);
        await deps.queues.control({ kind: "cancel-build", buildId: id, by: user.name });
        // Headhunter cancels pending tasks at once and running ones as their workers stop them.
        const after = (await waitForBuildEnd(deps.store, id, CANCEL_WAIT_MS)) ?? v;
        return coprBuild(after, deps.publicUrl);
      },
    });

    // copr-cli delete-build: {"builds": [ids]} → the same list once they are gone.
    app.delete<{ Body: Body }>("/build/delete/list", async (req) => {
      const user = await coprUser(deps, req.headers);
      const list = req.body.builds;
      if (!Array.isArray(list) || list.some((x) => typeof x !== "number" && typeof x !== "string")) {
        throw new HttpError(400, "INVALID_ARGUMENT", "builds must be a list of build ids");
      }
      const ids = list.map((x) => buildIdParam(String(x as number | string)));
      return { builds: await deleteBuilds(deps, user, ids) };
    });

    // python-copr's build_proxy.delete(id): the build as it was.
    app.delete<{ Params: { id: string } }>("/build/delete/:id", async (req) => {
      const user = await coprUser(deps, req.headers);
      const id = buildIdParam(req.params.id);
      const v = await buildView(deps.store, id);
      if (v === null) throw new HttpError(404, "NOT_FOUND", `Build ${id} does not exist.`);
      await deleteBuilds(deps, user, [id]);
      return coprBuild(v, deps.publicUrl);
    });
    done();
  };
}
