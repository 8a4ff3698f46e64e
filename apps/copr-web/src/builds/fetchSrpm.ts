import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { WebDeps } from "../api/context.ts";
import { HttpError } from "../http/httpError.ts";
import { checkDeclaredSize, receiveSrpm, type ReceivedSrpm } from "./submitBuild.ts";
import { addressPolicy, type AddressPolicy } from "./addressPolicy.ts";

/** Redirects followed before giving up. */
const MAX_REDIRECTS = 5;

/** Refuses (400 LOCAL_ADDRESS) an address the policy does not allow. */
function checkAddress(address: string, policy: AddressPolicy, host: string): void {
  if (policy.allows(address)) return;
  throw new HttpError(400, "LOCAL_ADDRESS", `${host === address ? address : `${host} is ${address}, which`} is not a public address; this server fetches SRPMs only from the internet (an administrator may allow networks with COPR_WEB_URL_ALLOW_NETS)`);
}

/**
 * Downloads a build's SRPM from an http(s) URL into the upload directory,
 * with the upload's size limit, a time limit, at most a few redirects, and
 * only from public addresses: every address is checked at connect time, so
 * a name that resolves elsewhere later (DNS rebinding) is refused too.
 */
export async function fetchSrpm(deps: WebDeps, url: string): Promise<ReceivedSrpm> {
  const policy = addressPolicy(deps.config.urlAllowNets);
  const signal = AbortSignal.timeout(deps.config.urlFetchTimeoutS * 1000);
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, "", 0);
        return;
      }
      try {
        for (const a of addresses) checkAddress(a.address, policy, hostname);
      } catch (refusal) {
        callback(refusal as NodeJS.ErrnoException, "", 0);
        return;
      }
      if (options.all === true) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]?.address ?? "", addresses[0]?.family ?? 4);
    });
  };
  let current = parseUrl(url);
  for (let hop = 0; ; hop++) {
    const host = current.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0) checkAddress(host, policy, host);
    const res = await request(current, lookup, signal);
    const location = res.headers.location;
    if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && location !== undefined) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new HttpError(400, "URL_FETCH_FAILED", `${url}: more than ${MAX_REDIRECTS} redirects`);
      current = parseUrl(new URL(location, current).toString());
      continue;
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw new HttpError(400, "URL_FETCH_FAILED", `${current.toString()} answered HTTP ${res.statusCode ?? "?"}; give the URL of a .src.rpm file`);
    }
    try {
      checkDeclaredSize(deps, Number(res.headers["content-length"] ?? "0"));
      return await receiveSrpm(deps, res);
    } catch (error) {
      res.destroy();
      throw timedOut(error, signal, url);
    }
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new HttpError(400, "INVALID_URL", `${JSON.stringify(text.slice(0, 200))} is not a URL`, { cause });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new HttpError(400, "INVALID_URL", `${url.protocol} URLs are not fetched; give an http:// or https:// URL`);
  if (url.username !== "" || url.password !== "") throw new HttpError(400, "INVALID_URL", "URLs with a user name or password are not fetched");
  return url;
}

function request(url: URL, lookup: LookupFunction, signal: AbortSignal): Promise<IncomingMessage> {
  const get = url.protocol === "https:" ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const req = get(url, { lookup, signal, headers: { "user-agent": "copr-web (SRPM from URL)", accept: "*/*" } }, resolve);
    req.on("error", (error) => reject(timedOut(error, signal, url.toString())));
  });
}

function timedOut(error: unknown, signal: AbortSignal, url: string): Error {
  if (error instanceof HttpError) return error;
  if (signal.aborted) return new HttpError(504, "URL_TIMEOUT", `${url} did not arrive within the time limit`, { cause: error });
  return new HttpError(400, "URL_FETCH_FAILED", `${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
