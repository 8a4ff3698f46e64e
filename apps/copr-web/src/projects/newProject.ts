import type { Project, ProjectOptions } from "@copr/store";
import type { WebDeps } from "../api/context.ts";

/**
 * Creates a project and asks Headhunter to have its signing key made now
 * (by a signer: copr-web never holds keys), so the key is ready before the
 * project's first build ends. (Signing makes a missing key too: a project
 * whose request was lost still gets one.)
 */
export async function newProject(
  deps: Pick<WebDeps, "store" | "queues">, owner: string, name: string, chroots: string[], options: ProjectOptions = {},
): Promise<Project> {
  const project = await deps.store.projects.createProject(owner, name, chroots, options);
  await deps.queues.control({ kind: "make-key", owner, project: name });
  return project;
}
