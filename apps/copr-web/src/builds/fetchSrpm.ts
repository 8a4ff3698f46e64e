import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import type { WebDeps } from "../api/context.ts";
import { HttpError } from "../http/httpError.ts";
import { checkDeclaredSize, receiveSrpm, type ReceivedSrpm } from "./submitBuild.ts";

/** Redirects followed before giving up. */
const MAX_REDIRECTS = 5;

/** Addresses that are not on the public internet: a URL build never reaches them unless configured. */
const NOT_PUBLIC = (() => {
  const list = new BlockList();
  for (const [net, bits] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
    ["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4]] as const) list.addSubnet(net, bits, "ipv4");
  for (const [net, bits] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["::ffff:0:0", 96], ["64:ff9b::", 96], ["2001:db8::", 32]] as const) {
    list.addSubnet(net, bits, "ipv6");
  }
  return list;
})();

function allowList(nets: readonly string[]): BlockList {
  const list = new BlockList();
  for (const n of nets) {
    const [address = "", bits = ""] = n.split("/");
    list.addSubnet(address, Number(bits), isIP(address) === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

/** Refuses (400 LOCAL_ADDRESS) an address that is not public and not in the allowed networks. */
function checkAddress(address: string, allowed: BlockList, host: string): void {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (NOT_PUBLIC.check(address, family) && !allowed.check(address, family)) {
    throw new HttpError(400, "LOCAL_ADDRESS", `${host} is ${address}, not a public address; this server fetches SRPMs only from the internet (an administrator may allow networks with COPR_WEB_URL_ALLOW_NETS)`);
  }
}

/**
 * Downloads a build's SRPM from an http(s) URL into the upload directory,
 * with the upload's size limit, a time limit, at most a few redirects, and
 * only from public addresses: every address is checked at connect time, so
 * a name that resolves elsewhere later (DNS rebinding) is refused too.
 */
export async function fetchSrpm(deps: WebDeps, url: string): Promise<ReceivedSrpm> {
  const allowed = allowList(deps.config.urlAllowNets);
  const signal = AbortSignal.timeout(deps.config.urlFetchTimeoutS * 1000);
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, "", 0);
        return;
      }
      try {
        for (const a of addresses) checkAddress(a.address, allowed, hostname);
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
    if (isIP(host) !== 0) checkAddress(host, allowed, host);
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
