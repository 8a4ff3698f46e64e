import type { IncomingHttpHeaders } from "node:http";
import type { User } from "@copr/store";
import type { WebDeps } from "../api/context.ts";
import { bearerToken } from "../api/context.ts";
import { HttpError } from "../http/httpError.ts";

/** `login` and `token` from `Authorization: Basic base64(login:token)`, as copr-cli sends them; undefined without one. */
export function basicCredentials(headers: IncomingHttpHeaders): { login: string; token: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers.authorization ?? "");
  if (m === null) return undefined;
  const text = Buffer.from(m[1] ?? "", "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  return { login: text.slice(0, colon), token: text.slice(colon + 1) };
}

/**
 * The user a write call acts as: Basic `login:token` (copr-cli, python-copr)
 * or this server's own `Bearer` token. Refuses (401) a missing or wrong one.
 */
export async function coprUser(deps: WebDeps, headers: IncomingHttpHeaders): Promise<User> {
  const basic = basicCredentials(headers);
  const bearer = bearerToken(headers);
  const user = basic !== undefined
    ? await deps.store.accounts.authenticateLogin(basic.login, basic.token)
    : bearer !== undefined ? await deps.store.accounts.authenticate(bearer) : null;
  if (user !== null) return user;
  const where = `${deps.publicUrl}/api`;
  throw new HttpError(401, "UNAUTHORIZED", basic === undefined && bearer === undefined
    ? `this needs API authentication: put login, username and token from ${where} into ~/.config/copr`
    : `Login invalid/expired. Please visit ${where} to get or renew your API token.`);
}
