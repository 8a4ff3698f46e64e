import { useSession } from "./ApiContext.ts";
import { BuilderRow } from "./BuilderRow.tsx";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { formatTime, isoTime } from "./format.ts";
import { RegisterWorkerForm } from "./RegisterWorkerForm.tsx";
import { useBuilders } from "./useBuilders.ts";
import { useQuery } from "./useQuery.ts";
import { useEffect } from "react";

/** Every registered worker, live. */
export function BuildersPage() {
  const { api, user } = useSession();
  const { builders, live, error, refresh } = useBuilders();
  // Drain flags of registrations (a lost worker's builder state cannot show it).
  const workers = useQuery(`workers:${builders?.map((b) => b.name).join(",") ?? ""}`, () => api.workers.list.query());
  const drained = new Set((workers.data ?? []).filter((w) => w.drain).map((w) => w.name));
  // Read again whenever the builders change (a takeover also shows in their tasks and heartbeats).
  const active = useQuery("headhunter", () => api.builders.headhunter.query());
  const reloadActive = active.reload;
  useEffect(() => {
    reloadActive();
  }, [builders, reloadActive]);
  const changed = (): void => {
    refresh();
    workers.reload();
  };
  return (
    <>
      <h1>Builders</h1>
      <p className="muted" data-testid="builders-live">
        {live ? "Updated live from the workers' heartbeats." : "Not live; reload the page to see changes."}
      </p>
      <p data-testid="headhunter-active">
        {active.data === undefined ? "" : active.data === null ? (
          <>No Headhunter is active: builds wait until one takes the lease.</>
        ) : (
          <>
            Headhunter <code>{active.data.id}</code> is active, epoch {active.data.epoch}, since{" "}
            <time dateTime={isoTime(active.data.since)}>{formatTime(active.data.since)}</time>.
          </>
        )}
      </p>
      <ErrorMessage error={error ?? active.error} />
      <RegisterWorkerForm onRegistered={changed} />
      {builders === undefined ? (
        <p>Loading…</p>
      ) : builders.length === 0 ? (
        <p>No workers are registered.</p>
      ) : (
        <table className="builders">
          <caption>{builders.length} registered workers</caption>
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">State</th>
              <th scope="col">Arches</th>
              <th scope="col">Slots</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col">Epoch</th>
              <th scope="col">Tasks</th>
              {user?.admin === true && <th scope="col">Admin</th>}
            </tr>
          </thead>
          <tbody>
            {builders.map((b) => (
              <BuilderRow key={b.name} builder={b} drained={drained.has(b.name)} onChanged={changed} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
