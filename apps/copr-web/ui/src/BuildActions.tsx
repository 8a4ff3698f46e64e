import { useState } from "react";
import { errorText, type BuildView } from "./api.ts";
import { useSession } from "./ApiContext.ts";

const FINAL = new Set(["succeeded", "failed", "canceled", "skipped"]);

/** Cancel (owner or admin, while not ended) and Resubmit (owner) of a build. */
export function BuildActions({ view }: { view: BuildView }) {
  const { api, user } = useSession();
  const [cancel, setCancel] = useState<"idle" | "sending" | "requested">("idle");
  const [error, setError] = useState<string | null>(null);
  if (user === null) return null;
  const { build } = view;
  const owner = user.name === build.owner;
  const mayCancel = (owner || user.admin) && !FINAL.has(view.state);
  if (!owner && !mayCancel) return null;
  const doCancel = (): void => {
    setCancel("sending");
    setError(null);
    api.builds.cancel.mutate({ id: build.id }).then(
      () => setCancel("requested"),
      (e: unknown) => {
        setCancel("idle");
        setError(errorText(e));
      },
    );
  };
  const srpm = `${build.srpm.name}-${build.srpm.version}-${build.srpm.release}.src.rpm`;
  return (
    <section aria-labelledby="actions-heading" className="actions">
      <h2 id="actions-heading">Actions</h2>
      {mayCancel && (
        <button type="button" onClick={doCancel} disabled={cancel !== "idle"}>
          {cancel === "requested" ? "cancel requested" : cancel === "sending" ? "Canceling…" : "Cancel build"}
        </button>
      )}
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {owner && (
        <details>
          <summary>Resubmit</summary>
          <p>Submitting again needs the source RPM; upload it with the command-line client:</p>
          <pre>
            <code>{`copr build ${build.owner}/${build.project} ${srpm}`}</code>
          </pre>
        </details>
      )}
    </section>
  );
}
