import type { FastifyPluginAsync } from "fastify";
import fastifyMultipart from "@fastify/multipart";
import type { WebDeps } from "../api/context.ts";
import { acceptSrpm, checkDeclaredSize, discardSrpm, maxSrpmBytes, planSubmit, receiveSrpm, type ReceivedSrpm, type SubmitPlan } from "../builds/submitBuild.ts";
import { HttpError } from "../http/httpError.ts";
import { coprUser } from "./coprAuth.ts";
import { coprBuild } from "./coprObjects.ts";
import { buildRequest } from "./coprOptions.ts";

/** Largest `json` part, bytes. */
const MAX_OPTIONS_BYTES = 64 * 1024;

/**
 * build/create/upload: multipart with the SRPM as file part `pkgs` and the
 * options as file part `json` — copr-cli sends `pkgs` first, so the owner
 * and project are known only after the file has arrived. The SRPM streams to
 * disk under the size limit either way; when `json` comes first, a refusal
 * comes before the file is read. A refused build leaves nothing behind.
 */
export function buildUploadRoute(deps: WebDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(fastifyMultipart, {
      // The SRPM's own limit is enforced while streaming (413 TOO_LARGE); this only stops a runaway part.
      limits: { fileSize: maxSrpmBytes(deps) + 1, files: 2, fields: 2, parts: 4, headerPairs: 50 },
    });
    app.post("/build/create/upload", async (req) => {
      const user = await coprUser(deps, req.headers);
      checkDeclaredSize(deps, Number(req.headers["content-length"] ?? "0") - MAX_OPTIONS_BYTES);
      let plan: SubmitPlan | undefined;
      let received: ReceivedSrpm | undefined;
      try {
        for await (const part of req.parts()) {
          if (part.fieldname === "pkgs" && part.type === "file") {
            if (received !== undefined) throw new HttpError(400, "INVALID_ARGUMENT", "give one pkgs file per upload");
            received = await receiveSrpm(deps, part.file);
          } else if (part.fieldname === "json") {
            if (plan !== undefined) throw new HttpError(400, "INVALID_ARGUMENT", "give one json part per upload");
            const text = part.type === "file" ? (await part.toBuffer()).toString("utf8") : String(part.value);
            plan = await planSubmit(deps, user, await buildRequest(parseOptions(text), deps.store.projects));
          } else {
            if (part.type === "file") part.file.resume();
            throw new HttpError(400, "INVALID_ARGUMENT", `unexpected part ${JSON.stringify(part.fieldname)}; send the SRPM as pkgs and the options as json`);
          }
        }
        if (received === undefined) throw new HttpError(400, "INVALID_ARGUMENT", "the upload has no pkgs part (the .src.rpm file)");
        if (plan === undefined) throw new HttpError(400, "INVALID_ARGUMENT", "the upload has no json part (ownername, projectname and build options)");
        const accepted = received;
        received = undefined;
        return coprBuild(await acceptSrpm(deps, plan, accepted), deps.publicUrl);
      } finally {
        if (received !== undefined) await discardSrpm(received);
      }
    });
  };
}

function parseOptions(text: string): Record<string, unknown> {
  if (text.length > MAX_OPTIONS_BYTES) throw new HttpError(400, "INVALID_ARGUMENT", `the json part is larger than ${MAX_OPTIONS_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, "INVALID_JSON", "the json part is not valid JSON", { cause });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new HttpError(400, "INVALID_JSON", "the json part must be a JSON object");
  return value as Record<string, unknown>;
}
