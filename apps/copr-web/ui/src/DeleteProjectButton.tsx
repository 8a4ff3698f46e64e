import { useState } from "react";
import { errorText, type Project } from "./api.ts";
import { useSession } from "./ApiContext.ts";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { navigate } from "./route.ts";

/** "Delete project" for its owner or an admin, after a confirm; then the project list. */
export function DeleteProjectButton({ project }: { project: Project }) {
  const { api, user } = useSession();
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (user === null || (user.name !== project.owner && !user.admin)) return null;
  const doDelete = (): void => {
    if (!window.confirm(`Delete project ${project.owner}/${project.name} with all its builds and results? Builds that have not ended are canceled first.`)) return;
    setDeleting(true);
    setError(null);
    api.projects.delete.mutate({ owner: project.owner, name: project.name }).then(
      () => navigate("/projects"),
      (e: unknown) => {
        setDeleting(false);
        setError(errorText(e));
      },
    );
  };
  return (
    <p>
      <button type="button" onClick={doDelete} disabled={deleting}>
        {deleting ? "Deleting…" : "Delete project"}
      </button>
      <ErrorMessage error={error} />
    </p>
  );
}
