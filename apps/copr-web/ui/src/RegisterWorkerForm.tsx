import { useState, type FormEvent } from "react";
import { errorText, type Api } from "./api.ts";
import { useSession } from "./ApiContext.ts";
import { ErrorMessage } from "./ErrorMessage.tsx";

type Registered = Awaited<ReturnType<Api["workers"]["add"]["mutate"]>>;

/** The worker's settings as an environment file (infra/systemd/copr-worker.service reads /etc/copr/copr-worker.env). */
function envFile(w: Registered): string {
  return [
    "# /etc/copr/copr-worker.env",
    `COPR_WORKER_NAME=${w.name}`,
    `COPR_WORKER_TOKEN=${w.token}`,
    `COPR_WORKER_WEB_URL=${window.location.origin}`,
    `COPR_BUS_USER=${w.brokerUser}`,
    `COPR_BUS_PASSWORD=${w.brokerPassword}`,
    "# the broker as copr-web reaches it; change these if the worker reaches it elsewhere",
    ...(w.bus.nodes === undefined ? [`COPR_BUS_HOST=${w.bus.host}`, `COPR_BUS_PORT=${w.bus.port}`] : [`COPR_BUS_NODES=${w.bus.nodes}`]),
    `COPR_BUS_VHOST=${w.bus.vhost}`,
    "",
  ].join("\n");
}

/** "Register a worker" for admins: shows the new worker's token and broker password once. */
export function RegisterWorkerForm({ onRegistered }: { onRegistered: () => void }) {
  const { api, user } = useSession();
  const [name, setName] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [registered, setRegistered] = useState<Registered | null>(null);
  if (user?.admin !== true) return null;
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setError(null);
    setSending(true);
    api.workers.add.mutate({ name: name.trim() }).then(
      (w) => {
        setSending(false);
        setRegistered(w);
        setName("");
        onRegistered();
      },
      (err: unknown) => {
        setSending(false);
        setError(errorText(err));
      },
    );
  };
  return (
    <section aria-labelledby="register-heading">
      <h2 id="register-heading">Register a worker</h2>
      <form className="form inline-form" onSubmit={submit}>
        <label>
          Name (vendor:product:instance){" "}
          <input name="worker-name" required pattern="[A-Za-z0-9_\-]+:[A-Za-z0-9_\-]+:[A-Za-z0-9_\-]+" placeholder="fedoraproject:copr-worker:w2" value={name} onChange={(e) => setName(e.target.value)} />
        </label>{" "}
        <button type="submit" disabled={sending}>
          {sending ? "Registering…" : "Register"}
        </button>
      </form>
      <ErrorMessage error={error} />
      {registered !== null && (
        <div className="secret" data-testid="registered-worker">
          <p>
            Registered <strong>{registered.name}</strong>. Its token and broker password are shown <strong>only now</strong>: put them into the worker's configuration.
          </p>
          <dl>
            <dt>Token (COPR_WORKER_TOKEN)</dt>
            <dd>
              <code data-testid="worker-token">{registered.token}</code>
            </dd>
            <dt>Broker user (COPR_BUS_USER)</dt>
            <dd>
              <code>{registered.brokerUser}</code>
            </dd>
            <dt>Broker password (COPR_BUS_PASSWORD)</dt>
            <dd>
              <code data-testid="worker-broker-password">{registered.brokerPassword}</code>
            </dd>
          </dl>
          <p>The worker's environment file:</p>
          <pre data-testid="worker-env">{envFile(registered)}</pre>
          <button type="button" onClick={() => setRegistered(null)}>
            Done, hide it
          </button>
        </div>
      )}
    </section>
  );
}
