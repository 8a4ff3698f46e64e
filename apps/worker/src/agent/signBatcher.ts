import type { Slots } from "@copr/repo";
import type { ProjectKey } from "@copr/sign";

/** Signs a project's packages: what SignBatcher calls (ProjectKeys.sign). */
export type SignFn = (owner: string, project: string, paths: readonly string[]) => Promise<ProjectKey>;

interface Waiting {
  owner: string;
  project: string;
  items: { paths: readonly string[]; resolve: (key: ProjectKey) => void; reject: (error: unknown) => void }[];
}

/**
 * Runs at most `slots` signings at once, and signs the packages of every
 * request for one project that waited for a slot in one `rpmsign` run: a
 * burst of builds of one project (a mass rebuild) pays rpmsign's start
 * once per batch instead of once per build. When a batch of several
 * requests fails, each is signed again alone, so one bad package fails only
 * its own build.
 */
export class SignBatcher {
  readonly #slots: Slots;
  readonly #sign: SignFn;
  /** Requests waiting for a slot, by project. */
  readonly #waiting = new Map<string, Waiting>();

  constructor(slots: Slots, sign: SignFn) {
    this.#slots = slots;
    this.#sign = sign;
  }

  async sign(owner: string, project: string, paths: readonly string[]): Promise<ProjectKey> {
    return await new Promise<ProjectKey>((resolve, reject) => {
      const id = `${owner}/${project}`;
      let batch = this.#waiting.get(id);
      if (batch === undefined) {
        batch = { owner, project, items: [] };
        this.#waiting.set(id, batch);
        void this.#run(id, batch);
      }
      batch.items.push({ paths, resolve, reject });
    });
  }

  async #run(id: string, batch: Waiting): Promise<void> {
    const release = await this.#slots.acquire();
    // From here on, new requests of this project form the next batch.
    if (this.#waiting.get(id) === batch) this.#waiting.delete(id);
    try {
      try {
        const key = await this.#sign(batch.owner, batch.project, batch.items.flatMap((i) => i.paths));
        for (const i of batch.items) i.resolve(key);
      } catch (error) {
        if (batch.items.length === 1) {
          batch.items[0]?.reject(error);
          return;
        }
        for (const i of batch.items) await this.#sign(batch.owner, batch.project, i.paths).then(i.resolve, i.reject);
      }
    } finally {
      release();
    }
  }
}
