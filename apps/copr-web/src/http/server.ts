import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { appRouter } from "../api/router.ts";
import { bearerToken, userFromRequest, type WebDeps } from "../api/context.ts";
import { submitBuild } from "../builds/submitBuild.ts";
import { receiveResult } from "../builds/receiveResult.ts";
import { parseBuildTimeout } from "@copr/domain";
import { repoFileContent, RepoError } from "@copr/repo";
import { serveFile } from "./files.ts";
import { HttpError, decodePathPart, sendError, sendJson } from "./respond.ts";
import { isUiPath, serveUi } from "./ui.ts";

type Route = (deps: WebDeps, req: IncomingMessage, res: ServerResponse, match: RegExpExecArray) => Promise<void>;

const routes: { method: string; path: RegExp; handler: Route }[] = [
  { method: "GET", path: /^\/healthz$/, handler: (_d, _q, res) => Promise.resolve(sendJson(res, 200, { ok: true })) },
  {
    // Upload an SRPM as the request body: the streaming part tRPC does not do.
    method: "POST",
    path: /^\/api\/projects\/([^/]+)\/([^/]+)\/builds$/,
    handler: async (deps, req, res, m) => {
      const user = await userFromRequest(deps, req);
      if (user === null) throw new HttpError(401, "UNAUTHORIZED", "uploading needs an API token (Authorization: Bearer …)");
      const url = new URL(req.url ?? "/", "http://x");
      const timeoutText = url.searchParams.get("timeout");
      const timeout = timeoutText === null ? undefined : parseBuildTimeout(timeoutText);
      if (timeout?.ok === false) throw new HttpError(400, "INVALID_TIMEOUT", timeout.message);
      const enableNet = onOff(url.searchParams.get("enable_net"), "enable_net");
      const background = onOff(url.searchParams.get("background"), "background");
      const afterBuildId = buildIdParam(url.searchParams.get("after_build_id"), "after_build_id");
      const withBuildId = buildIdParam(url.searchParams.get("with_build_id"), "with_build_id");
      const view = await submitBuild(deps, user, req, {
        owner: decodePathPart(m[1] ?? ""),
        project: decodePathPart(m[2] ?? ""),
        chroots: url.searchParams.getAll("chroot"),
        ...(timeout?.ok === true ? { timeoutS: timeout.seconds } : {}),
        ...(enableNet === undefined ? {} : { enableNet }),
        ...(background === undefined ? {} : { background }),
        ...(afterBuildId === undefined ? {} : { afterBuildId }),
        ...(withBuildId === undefined ? {} : { withBuildId }),
      });
      sendJson(res, 201, view);
    },
  },
  {
    // Workers fetch the SRPM of a build, with its checksum.
    method: "GET",
    path: /^\/api\/srpm\/(\d+)$/,
    handler: async (deps, req, res, m) => {
      const token = bearerToken(req);
      const worker = token === undefined ? null : await deps.store.workers.authenticateWorker(token);
      if (worker === null) throw new HttpError(401, "UNAUTHORIZED", "SRPM downloads need a worker token");
      const build = await deps.store.builds.getBuild(Number(m[1]));
      if (build === null) throw new HttpError(404, "NOT_FOUND", `no build ${m[1]}`);
      const path = join(deps.srpmDir, build.srpm.file);
      const { size } = await stat(path);
      res.writeHead(200, {
        "content-type": "application/x-rpm",
        "content-length": size,
        "x-checksum-sha256": build.srpm.sha256,
        "content-disposition": `attachment; filename="${build.srpm.name}-${build.srpm.version}-${build.srpm.release}.src.rpm"`,
      });
      await new Promise<void>((resolve, reject) => createReadStream(path).on("error", reject).on("end", resolve).pipe(res));
    },
  },
  {
    // Workers upload result files of the task attempt they run.
    method: "PUT",
    path: /^\/api\/results\/(\d+-[a-z0-9._-]+)\/(\d+)\/([^/]+)$/,
    handler: async (deps, req, res, m) => {
      const token = bearerToken(req);
      const worker = token === undefined ? null : await deps.store.workers.authenticateWorker(token);
      if (worker === null) throw new HttpError(401, "UNAUTHORIZED", "result uploads need a worker token");
      const stored = await receiveResult(deps, worker, req, m[1] ?? "", Number(m[2]), decodePathPart(m[3] ?? ""));
      sendJson(res, 201, { sha256: stored.sha256, size: stored.size });
    },
  },
  {
    // dnf repositories and build results.
    method: "GET",
    path: /^\/results(\/.*)?$/,
    handler: async (deps, _req, res, m) => {
      await serveFile(res, deps.resultsDir, (m[1] ?? "/").slice(1), `/results${m[1] ?? "/"}`);
    },
  },
  {
    // A .repo file per project and chroot, for `dnf config-manager --add-repo URL`.
    method: "GET",
    path: /^\/repos\/([^/]+)\/([^/]+)\/([^/]+)\.repo$/,
    handler: async (deps, _req, res, m) => {
      const [owner, project, chroot] = [m[1] ?? "", m[2] ?? "", m[3] ?? ""].map(decodePathPart) as [string, string, string];
      const p = await deps.store.projects.getProject(owner, project);
      if (p === null || !p.chroots.includes(chroot)) throw new HttpError(404, "NOT_FOUND", `no chroot ${chroot} in project ${owner}/${project}`);
      try {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
        res.end(repoFileContent({ baseUrl: deps.publicUrl, owner, project, chroot }));
      } catch (error) {
        if (error instanceof RepoError) throw new HttpError(400, error.code, error.message);
        throw error;
      }
    },
  },
];

/** Reads an `on`/`off` query parameter (as copr-cli's --enable-net takes it); absent = undefined. */
function buildIdParam(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(value)) throw new HttpError(400, "INVALID_ARGUMENT", `${name} must be a build id, not ${JSON.stringify(value.slice(0, 40))}`);
  return Number(value);
}

function onOff(value: string | null, name: string): boolean | undefined {
  if (value === null) return undefined;
  if (value === "on") return true;
  if (value === "off") return false;
  throw new HttpError(400, "INVALID_ARGUMENT", `${name} must be on or off, not ${JSON.stringify(value)}`);
}

/** The copr-web HTTP server: tRPC under /trpc, plain HTTP for uploads and downloads. */
export function createWebServer(deps: WebDeps): Server {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    createContext: async ({ req }) => ({ ...deps, user: await userFromRequest(deps, req) }),
  });
  return createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path.startsWith("/trpc/")) {
      trpc(req, res);
      return;
    }
    const fail = (error: unknown): void => {
      if (error instanceof HttpError) sendError(res, error.status, error.code, error.message);
      else {
        process.stderr.write(`copr-web: ${req.method} ${path}: ${error instanceof Error ? error.stack : String(error)}\n`);
        sendError(res, 500, "INTERNAL", "internal error; see the server log");
      }
      // Do not read the rest of a refused upload.
      req.resume();
    };
    for (const route of routes) {
      const match = route.path.exec(path);
      if (match === null) continue;
      if (req.method !== route.method) {
        sendError(res, 405, "METHOD_NOT_ALLOWED", `${path} takes ${route.method}`);
        return;
      }
      route.handler(deps, req, res, match).catch(fail);
      return;
    }
    // Everything else a browser GETs is the web UI (its files, or index.html for its routes).
    if ((req.method === "GET" || req.method === "HEAD") && isUiPath(path)) {
      serveUi(res, deps.config.uiDir, path, req.method === "HEAD").catch(fail);
      return;
    }
    sendError(res, 404, "NOT_FOUND", `nothing at ${path}`);
  });
}
