import { stat } from "node:fs/promises";
import { z } from "zod";
import type { Agent } from "@copr/bus";
import { chrootDir, RepoPublisher } from "@copr/repo";

export const createrepoArgsSchema = z.object({ owner: z.string(), project: z.string(), chroot: z.string() });

/** `createrepo`: regenerates one chroot's repository where the results live (one run at a time per directory). */
export class RepoMethods {
  readonly #root: string;
  readonly #publisher = new RepoPublisher({});

  constructor(resultsRoot: string) {
    this.#root = resultsRoot;
  }

  register(agent: Agent, callers: readonly string[]): void {
    agent.method("createrepo", {
      description: "Runs createrepo_c (--update once repodata exists) in <results>/<owner>/<project>/<chroot>.",
      args: createrepoArgsSchema,
      callers,
      handler: async (ref) => {
        const dir = chrootDir(this.#root, ref);
        // Deleted since the job was queued (its project or last build): nothing to publish, and no stray repodata.
        if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
          return { dir: `${ref.owner}/${ref.project}/${ref.chroot}`, packages: 0, incremental: false, duration_ms: 0 };
        }
        const r = await this.#publisher.publish(dir);
        return { dir: `${ref.owner}/${ref.project}/${ref.chroot}`, packages: r.packages, incremental: r.incremental, duration_ms: r.durationMs };
      },
    });
  }

  async close(): Promise<void> {
    await this.#publisher.close();
  }
}
