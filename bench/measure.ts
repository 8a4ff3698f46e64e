/**
 * A small, reusable request/response measurement loop.
 *
 * - "sequential": one call at a time (latency of an idle round trip);
 * - "inflight64": 64 concurrent loops, each issuing its next call as soon as
 *   its previous one resolved (throughput under a fixed window).
 *
 * Latency is measured per call with process.hrtime.bigint(); percentiles come
 * from the sorted list of all measured calls. A run stops after durationMs or
 * after maxCalls measured calls, whichever comes first; calls already in
 * flight at that point are awaited and still counted.
 */

export type Mode = "sequential" | "inflight64";

export interface Row {
  name: string;
  mode: Mode;
  calls_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

export interface MeasureOptions {
  name: string;
  mode: Mode;
  call: () => Promise<void>;
  /** Calls made (at the same concurrency) before measuring starts. */
  warmup: number;
  /** Measuring window; default 3000 ms. */
  durationMs?: number;
  /** Upper bound on measured calls; default 1 000 000. */
  maxCalls?: number;
}

export const concurrencyOf: Readonly<Record<Mode, number>> = { sequential: 1, inflight64: 64 };

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] ?? Number.NaN;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

async function runLoops(concurrency: number, next: () => boolean, call: () => Promise<void>, onDone?: (ns: bigint) => void): Promise<void> {
  const loop = async (): Promise<void> => {
    while (next()) {
      const t0 = process.hrtime.bigint();
      await call();
      onDone?.(process.hrtime.bigint() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

export async function measure(opts: MeasureOptions): Promise<Row> {
  const concurrency = concurrencyOf[opts.mode];
  const durationMs = opts.durationMs ?? 3000;
  const maxCalls = opts.maxCalls ?? 1_000_000;

  // Warm-up: JIT, socket buffers, broker queues, credit windows.
  let warmupLeft = opts.warmup;
  await runLoops(concurrency, () => warmupLeft-- > 0, opts.call);

  const latenciesNs: bigint[] = [];
  let started = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  const next = (): boolean => {
    if (started >= maxCalls || process.hrtime.bigint() >= deadline) return false;
    started++;
    return true;
  };
  await runLoops(concurrency, next, opts.call, (ns) => latenciesNs.push(ns));
  const elapsedNs = process.hrtime.bigint() - start;

  const sorted = Float64Array.from(latenciesNs, (ns) => Number(ns) / 1e6).sort();
  return {
    name: opts.name,
    mode: opts.mode,
    calls_per_s: round2(sorted.length / (Number(elapsedNs) / 1e9)),
    p50_ms: round2(percentile(sorted, 50)),
    p99_ms: round2(percentile(sorted, 99)),
  };
}
