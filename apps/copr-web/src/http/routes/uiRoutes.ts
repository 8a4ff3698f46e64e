import { stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import type { FastifyPluginAsync } from "fastify";
import fastifyStatic from "@fastify/static";
import type { WebDeps } from "../../api/context.ts";
import { HttpError } from "../httpError.ts";
import { safeRelativePath } from "./safePath.ts";

/** Paths that belong to the API and file routes, never to the web UI (whose /api page is the client configuration). */
const NOT_UI = [/^\/trpc(\/|$)/, /^\/api\//, /^\/api_3(\/|$)/, /^\/results(\/|$)/, /^\/repos(\/|$)/, /^\/healthz$/, /^\/metrics$/];

/** Whether a GET for `path` is the web UI's to answer. */
export function isUiPath(path: string): boolean {
  return !NOT_UI.some((re) => re.test(path));
}

interface UiRoute { Params: { "*": string } }

/**
 * The built web UI: a file under `uiDir` when the path names one, otherwise
 * `index.html`, so client-side routes (`/builds/7`) load the app. Hashed files
 * under /assets/ are cached for good; everything else is revalidated (ETag).
 */
export function uiRoutes(deps: WebDeps): FastifyPluginAsync {
  const root = resolve(deps.config.uiDir);
  return async (app) => {
    await app.register(fastifyStatic, {
      root,
      serve: false,
      dotfiles: "ignore",
      cacheControl: false,
      // (The UI may be built after the server started: npm run build:ui. A missing root is not an error.)
      setHeaders: (res, path) => {
        res.setHeader("cache-control", path.startsWith(join(root, "assets") + "/") ? "public, max-age=31536000, immutable" : "no-cache");
        res.setHeader("x-content-type-options", "nosniff");
      },
    });
    app.get<UiRoute>("/*", async (req, reply) => {
      const path = req.url.split("?")[0] ?? "/";
      if (!isUiPath(path)) throw new HttpError(404, "NOT_FOUND", `nothing at ${req.method} ${path}`);
      const relative = safeRelativePath(req.params["*"]);
      if (relative === null) throw new HttpError(404, "NOT_FOUND", `nothing at ${path}`);
      if (relative !== "" && (await isFile(join(root, relative)))) return reply.sendFile(relative);
      // A missing asset is a 404, not the app: a stale hashed name should fail loudly.
      if (path.startsWith("/assets/") || extname(relative) !== "") throw new HttpError(404, "NOT_FOUND", `nothing at ${path}`);
      if (!(await isFile(join(root, "index.html")))) throw new HttpError(404, "UI_NOT_BUILT", `the web UI is not built in ${root}; run \`npm run build:ui\``);
      return reply.sendFile("index.html");
    });
  };
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() === true;
}
