import { useState } from "react";
import { errorText, type Builder } from "./api.ts";
import { useSession } from "./ApiContext.ts";
import { formatAge } from "./format.ts";
import { Link } from "./Link.tsx";
import { paths } from "./route.ts";
import { StateBadge } from "./StateBadge.tsx";

/** One worker: state, arches, slots, heartbeat, epoch, tasks; Drain/Undrain for admins. */
export function BuilderRow({ builder, drained, onChanged }: { builder: Builder; drained: boolean; onChanged: () => void }) {
  const { api, user } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A lost worker can be drained too; its registration says so.
  const draining = builder.state === "draining" || drained;
  const toggle = (): void => {
    setBusy(true);
    setError(null);
    api.workers.drain.mutate({ name: builder.name, drain: !draining }).then(
      () => {
        setBusy(false);
        onChanged();
      },
      (e: unknown) => {
        setBusy(false);
        setError(errorText(e));
      },
    );
  };
  const free = Math.max(0, builder.slots.total - builder.slots.used);
  return (
    <tr data-builder={builder.name}>
      <th scope="row">{builder.name}</th>
      <td>
        <StateBadge state={builder.state} />
        {drained && builder.state !== "draining" && <span className="muted"> (drained)</span>}
      </td>
      <td>{builder.arches.length === 0 ? "—" : builder.arches.join(", ")}</td>
      <td>
        {builder.slots.used} used, {free} free <span className="muted">of {builder.slots.total}</span>
      </td>
      <td>{formatAge(builder.lastHeartbeatAgeMs)}</td>
      <td>{builder.epoch ?? "—"}</td>
      <td>
        {builder.tasks.length === 0 ? (
          "—"
        ) : (
          <ul className="inline">
            {builder.tasks.map((t) => (
              <li key={t}>
                <Link href={paths.build(Number(t.split("-")[0]))}>{t}</Link>
              </li>
            ))}
          </ul>
        )}
      </td>
      {user?.admin === true && (
        <td>
          <button type="button" onClick={toggle} disabled={busy} aria-label={`${draining ? "Undrain" : "Drain"} ${builder.name}`}>
            {draining ? "Undrain" : "Drain"}
          </button>
          {error !== null && (
            <span className="error" role="alert">
              {" "}
              {error}
            </span>
          )}
        </td>
      )}
    </tr>
  );
}
