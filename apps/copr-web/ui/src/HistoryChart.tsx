/** One minute of the status history. */
export interface HistoryPoint {
  /** ms since the epoch, start of the minute */
  minute: number;
  pending: number;
  ended: number;
}

const W = 600;
const H = 120;
const PAD = 4;

/**
 * The last hour as a small SVG chart: tasks pending (line) and tasks ended
 * per minute (bars), each on its own scale, with the maxima written out.
 */
export function HistoryChart({ points }: { points: readonly HistoryPoint[] }) {
  const n = Math.max(1, points.length);
  const peakPending = Math.max(0, ...points.map((p) => p.pending));
  const peakEnded = Math.max(0, ...points.map((p) => p.ended));
  const maxPending = Math.max(1, peakPending);
  const maxEnded = Math.max(1, peakEnded);
  const x = (i: number): number => PAD + (i * (W - 2 * PAD)) / Math.max(1, n - 1);
  const y = (v: number, max: number): number => H - PAD - (v / max) * (H - 2 * PAD);
  const line = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.pending, maxPending).toFixed(1)}`).join(" ");
  const barW = Math.max(1, (W - 2 * PAD) / n - 1);
  const ended = points.reduce((s, p) => s + p.ended, 0);
  return (
    <figure className="history" data-testid="status-history">
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`the last hour: up to ${maxPending} pending; ${ended} tasks ended`}>
        {points.map((p, i) =>
          p.ended > 0 ? <rect key={p.minute} className="bar" x={x(i) - barW / 2} y={y(p.ended, maxEnded)} width={barW} height={H - PAD - y(p.ended, maxEnded)} /> : null,
        )}
        <path className="line" d={line} fill="none" />
      </svg>
      <figcaption>
        Last hour: <span className="legend-line">pending</span> (up to {peakPending}), <span className="legend-bar">ended per minute</span> (up to{" "}
        {peakEnded}; {ended} in all).
      </figcaption>
    </figure>
  );
}
