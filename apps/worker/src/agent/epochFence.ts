import { AgentMethodError } from "@copr/bus";

/**
 * The newest Headhunter fencing epoch this worker has seen in a `build` or
 * `cancel` call. A call from an older epoch comes from a Headhunter that
 * another one replaced (it may not know yet): it is refused with
 * STALE_EPOCH, so a replaced Headhunter starts and stops nothing. Calls
 * without an epoch (older Headhunters) are taken.
 */
export class EpochFence {
  #newest = 0;

  get newest(): number {
    return this.#newest;
  }

  check(epoch: number | undefined): void {
    if (epoch === undefined) return;
    if (epoch < this.#newest) {
      throw new AgentMethodError("STALE_EPOCH", `the call comes from Headhunter epoch ${epoch}, but epoch ${this.#newest} is active: another Headhunter took over`);
    }
    this.#newest = epoch;
  }
}
