import { useEffect, useState, type FormEvent } from "react";
import { errorText, type Project } from "./api.ts";
import { useSession } from "./ApiContext.ts";
import { ChrootPicker } from "./ChrootPicker.tsx";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { navigate, paths } from "./route.ts";
import { uploadSrpm } from "./uploadSrpm.ts";

/**
 * "New build" on a project page, for its owner or an admin: uploads an SRPM
 * with a progress bar and the options `copr build` has; opens the build.
 */
export function NewBuildForm({ project }: { project: Project }) {
  const { user, token } = useSession();
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(project.chroots));
  const [timeout, setTimeoutText] = useState("");
  const [net, setNet] = useState<"" | "on" | "off">("");
  const [background, setBackground] = useState(false);
  const [after, setAfter] = useState("");
  const [withBuild, setWithBuild] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState<number | null>(null);
  // Opens the build after the full progress bar has been shown.
  useEffect(() => {
    if (submitted !== null) navigate(paths.build(submitted));
  }, [submitted]);
  if (user === null || token === null || (user.name !== project.owner && !user.admin)) return null;
  if (!open) {
    return (
      <p>
        <button type="button" onClick={() => setOpen(true)}>
          New build
        </button>
      </p>
    );
  }
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setError(null);
    if (file === null) {
      setError("choose a .src.rpm file");
      return;
    }
    if (chosen.size === 0) {
      setError("choose at least one chroot");
      return;
    }
    const params: [string, string][] = [];
    // All chroots is the default; name them only when some are left out.
    if (chosen.size < project.chroots.length) for (const c of project.chroots.filter((x) => chosen.has(x))) params.push(["chroot", c]);
    if (timeout.trim() !== "") params.push(["timeout", timeout.trim()]);
    if (net !== "") params.push(["enable_net", net]);
    if (background) params.push(["background", "on"]);
    if (after.trim() !== "") params.push(["after_build_id", after.trim()]);
    if (withBuild.trim() !== "") params.push(["with_build_id", withBuild.trim()]);
    setProgress(0);
    uploadSrpm({ owner: project.owner, project: project.name, file, token, params, onProgress: setProgress }).then(
      (created) => {
        setProgress(1);
        setSubmitted(created.build.id);
      },
      (err: unknown) => {
        setProgress(null);
        setError(errorText(err));
      },
    );
  };
  const sending = progress !== null;
  const percent = Math.round((progress ?? 0) * 100);
  return (
    <form className="form" onSubmit={submit} aria-labelledby="new-build-heading">
      <h2 id="new-build-heading">New build</h2>
      <label>
        Source RPM <input type="file" name="srpm" accept=".src.rpm,application/x-rpm" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </label>
      <ChrootPicker legend="Chroots" name="chroot" chroots={project.chroots} chosen={chosen} onChange={setChosen} />
      <label>
        Timeout (seconds) <input type="number" name="timeout" min={1} max={108000} placeholder="18000 (5 h)" value={timeout} onChange={(e) => setTimeoutText(e.target.value)} />
      </label>
      <label>
        Network{" "}
        <select name="enable_net" value={net} onChange={(e) => setNet(e.target.value as "" | "on" | "off")}>
          <option value="">the project's setting ({project.enableNet === true ? "on" : "off"})</option>
          <option value="on">on</option>
          <option value="off">off</option>
        </select>
      </label>
      <label>
        <input type="checkbox" name="background" checked={background} onChange={(e) => setBackground(e.target.checked)} /> Background (runs only when no ordinary build of its arch waits)
      </label>
      <label>
        Start after build <input type="number" name="after_build_id" min={1} value={after} disabled={withBuild !== ""} onChange={(e) => setAfter(e.target.value)} />
      </label>
      <label>
        Build together with build <input type="number" name="with_build_id" min={1} value={withBuild} disabled={after !== ""} onChange={(e) => setWithBuild(e.target.value)} />
      </label>
      <ErrorMessage error={error} />
      {sending && (
        <p>
          <label>
            Uploading {file?.name}: <progress max={100} value={percent} aria-label="upload progress" data-testid="upload-progress" /> {percent}%
          </label>
        </p>
      )}
      <p>
        <button type="submit" disabled={sending}>
          {sending ? "Uploading…" : "Submit build"}
        </button>{" "}
        <button type="button" onClick={() => setOpen(false)} disabled={sending}>
          Cancel
        </button>
      </p>
    </form>
  );
}
