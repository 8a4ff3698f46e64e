import { randomBytes } from "node:crypto";

/**
 * Requests exactly as python-copr 2.6 / copr-cli 2.5 put them on the wire
 * (see ../shared/copr-api-v3.md): the API root `<copr_url>/api_3/`, path
 * placeholders filled from the params and the same params sent again as the
 * query string, JSON bodies with null for unset options, Basic `login:token`
 * only on writes, multipart uploads with the `pkgs` file part before the
 * `json` file part and a Content-Length.
 */
export interface CoprAnswer {
  status: number;
  contentType: string;
  /** The parsed JSON body; throws when the body is not JSON (copr-cli: "Response is not in JSON format"). */
  json: Record<string, unknown>;
}

export interface CoprAuth {
  login: string;
  token: string;
}

const USER_AGENT = "copr copr-cli/2.5";

function endpointUrl(base: string, endpoint: string, params: Record<string, unknown>): string {
  const filled = endpoint.replace(/^\/+|\/+$/g, "").replace(/\{(\w+)\}/g, (_m, k: string) => String(params[k]));
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined) continue;
    // requests sends Python's str(): True/False for booleans.
    query.append(k, typeof v === "boolean" ? (v ? "True" : "False") : typeof v === "string" ? v : JSON.stringify(v));
  }
  const qs = query.toString();
  return `${base.replace(/\/+$/, "")}/api_3/${filled}${qs === "" ? "" : `?${qs}`}`;
}

async function answer(res: Response): Promise<CoprAnswer> {
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`HTTP ${res.status}: response is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", json };
}

function basic(auth: CoprAuth | undefined): Record<string, string> {
  return auth === undefined ? {} : { authorization: `Basic ${Buffer.from(`${auth.login}:${auth.token}`).toString("base64")}` };
}

export function coprWire(base: string) {
  return {
    async get(endpoint: string, params: Record<string, unknown> = {}): Promise<CoprAnswer> {
      return await answer(await fetch(endpointUrl(base, endpoint, params), { headers: { "user-agent": USER_AGENT } }));
    },
    async send(method: "POST" | "PUT" | "DELETE", endpoint: string, auth: CoprAuth | undefined, params: Record<string, unknown> = {}, data?: Record<string, unknown>): Promise<CoprAnswer> {
      return await answer(await fetch(endpointUrl(base, endpoint, params), {
        method,
        headers: { "user-agent": USER_AGENT, ...basic(auth), ...(data === undefined ? {} : { "content-type": "application/json" }) },
        ...(data === undefined ? {} : { body: JSON.stringify(data) }),
      }));
    },
    /** build/create/upload as FileRequest sends it: pkgs (the SRPM) first, then json, as file parts. */
    async upload(auth: CoprAuth | undefined, srpm: Buffer, filename: string, data: Record<string, unknown>, order: "pkgs-first" | "json-first" = "pkgs-first"): Promise<CoprAnswer> {
      const boundary = randomBytes(16).toString("hex");
      const part = (name: string, file: string, type: string, body: Buffer): Buffer => Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${file}"\r\nContent-Type: ${type}\r\n\r\n`),
        body,
        Buffer.from("\r\n"),
      ]);
      const pkgs = part("pkgs", filename, "application/x-rpm", srpm);
      const json = part("json", "json", "application/json", Buffer.from(JSON.stringify(data)));
      const body = Buffer.concat([...(order === "pkgs-first" ? [pkgs, json] : [json, pkgs]), Buffer.from(`--${boundary}--\r\n`)]);
      return await answer(await fetch(endpointUrl(base, "/build/create/upload", {}), {
        method: "POST",
        headers: { "user-agent": USER_AGENT, ...basic(auth), "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(body.length) },
        body,
      }));
    },
  };
}

/** The build options copr-cli sends for `copr-cli build PROJ FILE` with no options (check-before-build and the json part). */
export function buildOptions(owner: string, project: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ownername: owner, projectname: project, project_dirname: project, timeout: null, chroots: null, background: false, isolation: "unchanged", ...extra };
}

/** The body copr-cli sends for `copr-cli create NAME --chroot C…` with no other options. */
export function createProjectBody(name: string, chroots: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name, chroots, description: null, instructions: null, homepage: null, contact: null, additional_repos: null, unlisted_on_hp: null,
    enable_net: null, persistent: false, auto_prune: null, bootstrap: "default", bootstrap_image: null, isolation: "default",
    follow_fedora_branching: null, devel_mode: false, delete_after_days: null, multilib: null, module_hotfixes: null, fedora_review: false,
    appstream: null, runtime_dependencies: null, packit_forge_projects_allowed: null, repo_priority: null, storage: null, ...extra,
  };
}
