import { repoBaseUrl, resultDirName } from "@copr/repo";
import type { Build, Project, Task } from "@copr/store";
import { coprStateName, type TaskState } from "@copr/domain";
import type { BuildView } from "../builds/buildView.ts";

/**
 * Copr API v3 records, with every field upstream's `to_dict` has (copr-cli
 * reads attributes directly, so a missing one crashes it): `null` where this
 * server has no value, Copr's defaults where it has no such feature.
 */

/** Seconds since the epoch, as Copr's API gives times; null stays null. */
function seconds(ms: number | null | undefined): number | null {
  return ms === null || ms === undefined ? null : Math.floor(ms / 1000);
}

/** `version-release`, with `epoch:` when the package has one (Copr's source_package.version). */
export function evr(srpm: Build["srpm"]): string {
  return `${srpm.epoch === null ? "" : `${srpm.epoch}:`}${srpm.version}-${srpm.release}`;
}

/** The project's results root, e.g. http://host/results/alice/hello (Copr's repo_url of a build). */
function projectResultsUrl(publicUrl: string, owner: string, project: string): string {
  return `${publicUrl}/results/${encodeURIComponent(owner)}/${encodeURIComponent(project)}`;
}

export interface CoprBuild {
  id: number;
  state: TaskState;
  ownername: string;
  projectname: string;
  project_dirname: string;
  repo_url: string;
  source_package: { name: string; version: string; url: string | null };
  submitted_on: number;
  started_on: number | null;
  ended_on: number | null;
  submitter: string;
  chroots: string[];
  is_background: boolean;
}

export function coprBuild(view: BuildView, publicUrl: string): CoprBuild {
  const { build, tasks } = view;
  const started = tasks.map((t) => t.startedAt).filter((t): t is number => t !== null);
  const done = view.state === "succeeded" || view.state === "failed" || view.state === "canceled" || view.state === "skipped";
  const ended = tasks.map((t) => t.endedAt).filter((t): t is number => t !== null);
  return {
    id: build.id,
    state: coprStateName(view.state),
    ownername: build.owner,
    projectname: build.project,
    project_dirname: build.project,
    repo_url: projectResultsUrl(publicUrl, build.owner, build.project),
    // The SRPM is not served publicly (workers fetch it with their token): no url.
    source_package: { name: build.srpm.name, version: evr(build.srpm), url: null },
    submitted_on: seconds(build.submittedAt) ?? 0,
    started_on: started.length === 0 ? null : seconds(Math.min(...started)),
    ended_on: done && ended.length > 0 ? seconds(Math.max(...ended)) : null,
    submitter: build.submittedBy,
    chroots: tasks.map((t) => t.chroot),
    is_background: build.background === true,
  };
}

export interface CoprBuildChroot {
  name: string;
  state: TaskState;
  started_on: number | null;
  ended_on: number | null;
  result_url: string;
}

/** A build's chroot; result_url is its result directory once it started (wget-crawlable), else "". */
export function coprBuildChroot(build: Build, task: Task, publicUrl: string): CoprBuildChroot {
  const dir = `${projectResultsUrl(publicUrl, build.owner, build.project)}/${encodeURIComponent(task.chroot)}/${resultDirName(build.id, build.srpm.name)}/`;
  return {
    name: task.chroot,
    state: coprStateName(task.state),
    started_on: seconds(task.startedAt),
    ended_on: seconds(task.endedAt),
    result_url: task.startedAt === null ? "" : dir,
  };
}

export interface CoprProject {
  id: number | null;
  name: string;
  ownername: string;
  full_name: string;
  description: string;
  instructions: string;
  homepage: string | null;
  contact: string | null;
  devel_mode: boolean;
  persistent: boolean;
  unlisted_on_hp: boolean;
  auto_prune: boolean;
  chroot_repos: Record<string, string>;
  additional_repos: string[];
  enable_net: boolean;
  bootstrap: string;
  isolation: string;
  module_hotfixes: boolean;
  appstream: boolean;
  packit_forge_projects_allowed: string[];
  follow_fedora_branching: boolean;
  repo_priority: number | null;
  projectname: string;
  storage: "backend";
}

export function coprProject(p: Project, publicUrl: string): CoprProject {
  return {
    id: p.id ?? null,
    name: p.name,
    ownername: p.owner,
    full_name: `${p.owner}/${p.name}`,
    description: p.description ?? "",
    instructions: p.instructions ?? "",
    homepage: p.homepage ?? null,
    contact: p.contact ?? null,
    devel_mode: false,
    persistent: false,
    unlisted_on_hp: false,
    auto_prune: p.autoPrune !== false,
    chroot_repos: Object.fromEntries(p.chroots.map((c) => [c, repoBaseUrl({ baseUrl: publicUrl, owner: p.owner, project: p.name, chroot: c })])),
    additional_repos: [],
    enable_net: p.enableNet === true,
    bootstrap: "default",
    isolation: "default",
    module_hotfixes: false,
    appstream: false,
    packit_forge_projects_allowed: [],
    follow_fedora_branching: false,
    repo_priority: null,
    projectname: p.name,
    // Plain files under /results (not Pulp): copr-cli download-build uses wget.
    storage: "backend",
  };
}

export function coprProjectChroot(p: Project, chroot: string) {
  return {
    mock_chroot: chroot,
    ownername: p.owner,
    projectname: p.name,
    comps_name: null,
    additional_repos: [],
    additional_packages: [],
    additional_modules: [],
    with_opts: [],
    without_opts: [],
    delete_after_days: null,
    isolation: "default",
    follow_fedora_branching: false,
  };
}

/** What a build in this chroot gets (copr-cli mock-config renders it). */
export function coprBuildConfig(p: Project, chroot: string, publicUrl: string) {
  return {
    chroot,
    repos: [{
      id: "copr_base",
      name: "Copr repository",
      baseurl: repoBaseUrl({ baseUrl: publicUrl, owner: p.owner, project: p.name, chroot }),
      priority: null,
      module_hotfixes: false,
      repo_gpgcheck: false,
    }],
    additional_repos: [],
    additional_packages: [],
    additional_modules: [],
    enable_net: p.enableNet === true,
    with_opts: [],
    without_opts: [],
    isolation: "default",
    bootstrap: "default",
    bootstrap_image: null,
    timeout: null,
  };
}
