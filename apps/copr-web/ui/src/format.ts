/** Times as the pages show them. All inputs are ms since the epoch or ms. */

export function formatTime(ms: number | null): string {
  if (ms === null) return "—";
  return new Date(ms).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function isoTime(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}

export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "12 s ago"; null when never. */
export function formatAge(ms: number | null): string {
  return ms === null ? "never" : `${formatDuration(ms)} ago`;
}

export function taskDuration(startedAt: number | null, endedAt: number | null, now: number): number | null {
  if (startedAt === null) return null;
  return (endedAt ?? now) - startedAt;
}
