import type { BuilderHost } from "./builderConnection.ts";

/** What a build asks for: a builder of its arch, for its owner and project. */
export interface BuilderRequest {
  arch: string;
  owner: string;
  project: string;
  /** task id and attempt, for the provisioner's log and scripts */
  task: string;
}

/** A slot taken for one build. The builder itself may take a while (a VM boots). */
export interface BuilderClaim {
  /** What to call the builder before it exists: a host name, or the provisioner's. */
  readonly label: string;
  /** The builder for this build; rejects with the reason when none can be had. */
  builder(): Promise<BuilderHost>;
  /**
   * Gives the slot back. `reusable`: the build ended and its work directory
   * was removed, so the builder may serve the same owner and project again.
   * Safe to call twice.
   */
  release(reusable: boolean): Promise<void>;
}

/** Where builders come from: a fixed list of hosts, or an operator's allocate/release commands. */
export interface Provisioner {
  readonly name: string;
  readonly arches: readonly string[];
  /** Builds this provisioner serves at once. */
  readonly slots: number;
  /** Claims a slot for `request` now, or undefined when none is free for its arch. */
  claim(request: BuilderRequest): BuilderClaim | undefined;
  /** Gives back every builder it still holds. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The hosts of the builders file (`hosts`), each with its slots. A build
 * goes to the least loaded host of its arch; the build sandbox is what
 * separates one build from the next on the same host.
 */
export class StaticProvisioner implements Provisioner {
  readonly name = "static";
  readonly #hosts: readonly BuilderHost[];
  readonly #used = new Map<string, number>();

  constructor(hosts: readonly BuilderHost[]) {
    this.#hosts = hosts;
  }

  get arches(): string[] {
    return [...new Set(this.#hosts.flatMap((h) => h.arches))];
  }

  get slots(): number {
    return this.#hosts.reduce((n, h) => n + h.slots, 0);
  }

  get hosts(): readonly BuilderHost[] {
    return this.#hosts;
  }

  claim(request: BuilderRequest): BuilderClaim | undefined {
    const used = (h: BuilderHost): number => this.#used.get(h.name) ?? 0;
    const host = this.#hosts
      .filter((h) => h.arches.includes(request.arch) && used(h) < h.slots)
      .sort((a, b) => used(a) / a.slots - used(b) / b.slots)[0];
    if (host === undefined) return undefined;
    this.#used.set(host.name, used(host) + 1);
    let released = false;
    return {
      label: host.name,
      builder: () => Promise.resolve(host),
      release: () => {
        if (!released) {
          released = true;
          this.#used.set(host.name, used(host) - 1);
        }
        return Promise.resolve();
      },
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
