import { useEffect, useState } from "react";

/** The pages of the UI, parsed from the location path. */
export type Route =
  | { page: "home" }
  | { page: "projects" }
  | { page: "project"; owner: string; name: string }
  | { page: "build"; id: number }
  | { page: "builders" }
  | { page: "status" }
  | { page: "api" }
  | { page: "not-found"; path: string };

export function parseRoute(path: string): Route {
  const parts = path.split("/").filter((p) => p !== "").map(safeDecode);
  const [a, b, c] = parts;
  if (parts.length === 0) return { page: "home" };
  if (a === "projects" && parts.length === 1) return { page: "projects" };
  if (a === "projects" && parts.length === 3 && b !== undefined && c !== undefined) return { page: "project", owner: b, name: c };
  if (a === "builds" && parts.length === 2 && b !== undefined && /^[1-9]\d*$/.test(b)) return { page: "build", id: Number(b) };
  if (a === "builders" && parts.length === 1) return { page: "builders" };
  if (a === "status" && parts.length === 1) return { page: "status" };
  if (a === "api" && parts.length === 1) return { page: "api" };
  // The links Copr's clients print: <copr_url>/coprs/build/N and <copr_url>/coprs/OWNER/PROJECT/.
  if (a === "coprs" && b === "build" && parts.length === 3 && c !== undefined && /^[1-9]\d*$/.test(c)) return { page: "build", id: Number(c) };
  if (a === "coprs" && parts.length === 3 && b !== undefined && c !== undefined) return { page: "project", owner: b, name: c };
  return { page: "not-found", path };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const NAVIGATE = "copr:navigate";

/** Client-side navigation with the History API. */
export function navigate(href: string): void {
  if (href === window.location.pathname + window.location.search) return;
  window.history.pushState(null, "", href);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

/** The current path; re-renders on navigate() and back/forward. */
export function useLocationPath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = (): void => setPath(window.location.pathname);
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return path;
}

/** Path helpers, so links are built in one place. */
export const paths = {
  project: (owner: string, name: string) => `/projects/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`,
  build: (id: number) => `/builds/${id}`,
  publicKey: (owner: string, project: string) => `/results/${encodeURIComponent(owner)}/${encodeURIComponent(project)}/pubkey.gpg`,
  repoFile: (owner: string, project: string, chroot: string) => `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(project)}/${encodeURIComponent(chroot)}.repo`,
  resultDir: (owner: string, project: string, chroot: string, buildId: number, pkg: string) =>
    `/results/${encodeURIComponent(owner)}/${encodeURIComponent(project)}/${encodeURIComponent(chroot)}/${String(buildId).padStart(8, "0")}-${encodeURIComponent(pkg)}/`,
};
