// copr-web: HTTP API, uploads and downloads. Wiring only.
import { defaultLogger } from "@copr/bus";
import { runService } from "@copr/service";
import { loadWebConfig } from "./config.ts";
import { startWeb } from "./web.ts";

const log = defaultLogger("copr-web");

runService("copr-web", log, async () => {
  const web = await startWeb(loadWebConfig());
  log.info({ url: web.url }, "copr-web listening");
  return web;
});
