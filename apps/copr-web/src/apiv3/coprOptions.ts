import { parseBuildTimeout } from "@copr/domain";
import type { ProjectOptions, Projects } from "@copr/store";
import type { SubmitRequest } from "../builds/submitBuild.ts";
import { HttpError } from "../http/httpError.ts";

/**
 * Turning Copr API v3 request bodies into this server's requests. Options
 * this server has are honoured; options it does not have are accepted only
 * at the value that means "not used" (what copr-cli sends when the user did
 * not give them), and otherwise refused with a 400 naming them — never
 * silently ignored.
 */

type Json = Record<string, unknown>;

function bad(message: string): HttpError {
  return new HttpError(400, "INVALID_ARGUMENT", message);
}

/** A value that means "not given" for an option this server lacks. */
function unset(v: unknown): boolean {
  return v === null || v === undefined || v === false || v === "" || (Array.isArray(v) && v.length === 0);
}

function text(body: Json, key: string, max = 10_000): string | undefined {
  const v = body[key];
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "string") throw bad(`${key} must be a string`);
  if (v.length > max) throw bad(`${key} is longer than ${max} characters`);
  return v;
}

function bool(body: Json, key: string): boolean | undefined {
  const v = body[key];
  if (v === null || v === undefined) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "on" || v === "true" || v === "True") return true;
  if (v === "off" || v === "false" || v === "False") return false;
  throw bad(`${key} must be true or false, not ${JSON.stringify(v)}`);
}

function names(body: Json, key: string): string[] | undefined {
  const v = body[key];
  if (v === null || v === undefined) return undefined;
  if (typeof v === "string") return v.split(/[\s,]+/).filter((s) => s !== "");
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string" || s === "")) throw bad(`${key} must be a list of names`);
  return v as string[];
}

function buildId(body: Json, key: string): number | undefined {
  const v = body[key];
  if (v === null || v === undefined || v === "") return undefined;
  const s = typeof v === "string" || typeof v === "number" ? String(v) : JSON.stringify(v);
  if (!/^[1-9]\d{0,15}$/.test(s)) throw bad(`${key} must be a build id, not ${JSON.stringify(s.slice(0, 40))}`);
  return Number(s);
}

/** Refuses options this server does not have unless they carry their "not used" value. */
function refuseUnsupported(body: Json, known: ReadonlySet<string>, allowed: Readonly<Record<string, (v: unknown) => boolean>>, what: string): void {
  const refused = Object.entries(body).filter(([k, v]) => !known.has(k) && !(allowed[k]?.(v) ?? unset(v))).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  if (refused.length > 0) throw bad(`this server does not support ${refused.join(", ")} for ${what}; leave ${refused.length === 1 ? "it" : "them"} out`);
}

const oneOf = (...values: unknown[]) => (v: unknown): boolean => v === null || v === undefined || values.includes(v);

const BUILD_KEYS = new Set(["ownername", "projectname", "project_dirname", "timeout", "chroots", "exclude_chroots", "background", "enable_net", "after_build_id", "with_build_id", "pkgs"]);
const BUILD_DEFAULTS: Record<string, (v: unknown) => boolean> = {
  isolation: oneOf("unchanged", "default"),
  bootstrap: oneOf("unchanged", "default"),
};

/** The build options of check-before-build, the upload's `json` part and create/url, as a submission. */
export async function buildRequest(body: Json, projects: Pick<Projects, "getProject">): Promise<SubmitRequest> {
  refuseUnsupported(body, BUILD_KEYS, BUILD_DEFAULTS, "builds");
  const owner = text(body, "ownername", 200);
  const project = text(body, "projectname", 200);
  if (owner === undefined || project === undefined) throw bad("ownername and projectname are required");
  const dirname = text(body, "project_dirname", 300);
  if (dirname !== undefined && dirname !== project) {
    throw bad(`project_dirname ${JSON.stringify(dirname)}: this server builds into the project itself (${project}), not into separate directories such as ${project}:tag`);
  }
  const timeoutText = body.timeout === null || body.timeout === undefined ? undefined : JSON.stringify(body.timeout).replace(/^"|"$/g, "");
  const timeout = timeoutText === undefined ? undefined : parseBuildTimeout(timeoutText);
  if (timeout?.ok === false) throw new HttpError(400, "INVALID_TIMEOUT", timeout.message);
  let chroots = names(body, "chroots") ?? [];
  const exclude = names(body, "exclude_chroots");
  if (exclude !== undefined && exclude.length > 0) {
    const all = chroots.length > 0 ? chroots : ((await projects.getProject(owner, project))?.chroots ?? []);
    chroots = all.filter((c) => !exclude.includes(c));
    if (chroots.length === 0) throw bad(`exclude_chroots leaves no chroot to build (${exclude.join(", ")})`);
  }
  const enableNet = bool(body, "enable_net");
  const background = bool(body, "background");
  const afterBuildId = buildId(body, "after_build_id");
  const withBuildId = buildId(body, "with_build_id");
  return {
    owner, project, chroots,
    ...(timeout?.ok === true ? { timeoutS: timeout.seconds } : {}),
    ...(enableNet === undefined ? {} : { enableNet }),
    ...(background === undefined ? {} : { background }),
    ...(afterBuildId === undefined ? {} : { afterBuildId }),
    ...(withBuildId === undefined ? {} : { withBuildId }),
  };
}

/** The URLs of create/url (`pkgs`): one build each. */
export function packageUrls(body: Json): string[] {
  const urls = names(body, "pkgs");
  if (urls === undefined || urls.length === 0) throw bad("pkgs must list at least one URL of a source RPM");
  if (urls.length > 20) throw bad("at most 20 URLs in one request");
  return urls;
}

const PROJECT_KEYS = new Set(["name", "chroots", "description", "instructions", "homepage", "contact", "enable_net", "auto_prune"]);
const PROJECT_DEFAULTS: Record<string, (v: unknown) => boolean> = {
  // Copr's defaults that copr-cli always sends; this server behaves that way (or has no such thing).
  follow_fedora_branching: oneOf(true, false),
  bootstrap: oneOf("default", "unchanged"),
  isolation: oneOf("default", "unchanged"),
  storage: oneOf("backend"),
};

export interface NewCoprProject {
  name: string;
  chroots: string[];
  options: ProjectOptions;
}

/** The body of project/add. */
export function projectRequest(body: Json): NewCoprProject {
  refuseUnsupported(body, PROJECT_KEYS, PROJECT_DEFAULTS, "projects");
  const name = text(body, "name", 200);
  if (name === undefined || name === "") throw bad("name is required");
  const chroots = names(body, "chroots") ?? [];
  if (chroots.length === 0) throw bad("give at least one chroot");
  const options: ProjectOptions = {};
  for (const key of ["description", "instructions", "homepage", "contact"] as const) {
    const v = text(body, key);
    if (v !== undefined && v !== "") options[key] = v;
  }
  const enableNet = bool(body, "enable_net");
  if (enableNet !== undefined) options.enableNet = enableNet;
  const autoPrune = bool(body, "auto_prune");
  if (autoPrune !== undefined) options.autoPrune = autoPrune;
  return { name, chroots, options };
}
