import { useState } from "react";
import { errorText, type BuildView } from "./api.ts";
import { useSession } from "./ApiContext.ts";
import { navigate, paths } from "./route.ts";

const FINAL = new Set(["succeeded", "failed", "canceled", "skipped"]);

/** Cancel (while not ended), Resubmit, Rebuild failed chroots and Delete of a build: for its owner or an admin. */
export function BuildActions({ view }: { view: BuildView }) {
  const { api, user } = useSession();
  const [cancel, setCancel] = useState<"idle" | "sending" | "requested">("idle");
  const [resubmit, setResubmit] = useState<"idle" | "sending">("idle");
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (user === null) return null;
  const { build } = view;
  const owner = user.name === build.owner;
  const mayCancel = (owner || user.admin) && !FINAL.has(view.state);
  const mayResubmit = owner || user.admin;
  if (!mayResubmit) return null;
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
  const failedChroots = view.tasks.filter((t) => t.state === "failed" || t.state === "canceled").length;
  const doResubmit = (onlyFailed: boolean): void => {
    setResubmit("sending");
    setError(null);
    api.builds.resubmit.mutate({ id: build.id, onlyFailed }).then(
      (created) => navigate(paths.build(created.build.id)),
      (e: unknown) => {
        setResubmit("idle");
        setError(errorText(e));
      },
    );
  };
  const doDelete = (): void => {
    const running = !FINAL.has(view.state);
    if (!window.confirm(`Delete build ${build.id}${running ? " (it is canceled first)" : ""}? Its results leave the repository.`)) return;
    setDeleting(true);
    setError(null);
    api.builds.delete.mutate({ ids: [build.id] }).then(
      () => navigate(paths.project(build.owner, build.project)),
      (e: unknown) => {
        setDeleting(false);
        setError(errorText(e));
      },
    );
  };
  return (
    <section aria-labelledby="actions-heading" className="actions">
      <h2 id="actions-heading">Actions</h2>
      {mayCancel && (
        <button type="button" onClick={doCancel} disabled={cancel !== "idle"}>
          {cancel === "requested" ? "cancel requested" : cancel === "sending" ? "Canceling…" : "Cancel build"}
        </button>
      )}
      {mayResubmit && (
        <>
          {" "}
          <button type="button" onClick={() => doResubmit(false)} disabled={resubmit !== "idle"} title="a new build of the same source RPM in the same chroots">
            {resubmit === "sending" ? "Resubmitting…" : "Resubmit"}
          </button>
          {failedChroots > 0 && (
            <>
              {" "}
              <button type="button" onClick={() => doResubmit(true)} disabled={resubmit !== "idle"} title="a new build in the chroots that failed or were canceled">
                Rebuild failed chroots ({failedChroots})
              </button>
            </>
          )}
        </>
      )}
      {" "}
      <button type="button" onClick={doDelete} disabled={deleting} title="cancel it if it has not ended, remove its results and its packages from the repository">
        {deleting ? "Deleting…" : "Delete build"}
      </button>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
