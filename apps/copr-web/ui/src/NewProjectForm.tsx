import { useState, type FormEvent } from "react";
import { errorText } from "./api.ts";
import { useSession } from "./ApiContext.ts";
import { ChrootPicker } from "./ChrootPicker.tsx";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { navigate, paths } from "./route.ts";
import { useQuery } from "./useQuery.ts";

/** "New project" for a signed-in user: name, chroots, description, network; opens the project when created. */
export function NewProjectForm() {
  const { api, user } = useSession();
  const chroots = useQuery("chroots", () => api.chroots.query());
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [description, setDescription] = useState("");
  const [enableNet, setEnableNet] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (user === null) return null;
  if (!open) {
    return (
      <p>
        <button type="button" onClick={() => setOpen(true)}>
          New project
        </button>
      </p>
    );
  }
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setError(null);
    if (chosen.size === 0) {
      setError("choose at least one chroot");
      return;
    }
    setSending(true);
    api.projects.create.mutate({ name: name.trim(), chroots: (chroots.data ?? []).filter((c) => chosen.has(c)), enableNet, description }).then(
      (p) => navigate(paths.project(p.owner, p.name)),
      (err: unknown) => {
        setSending(false);
        setError(errorText(err));
      },
    );
  };
  return (
    <form className="form" onSubmit={submit} aria-labelledby="new-project-heading">
      <h2 id="new-project-heading">New project</h2>
      <p className="muted">It will be {user.name}/{name.trim() === "" ? "NAME" : name.trim()}.</p>
      <label>
        Name <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._+\-]*" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <ErrorMessage error={chroots.error} />
      <ChrootPicker legend="Chroots" name="chroot" chroots={chroots.data ?? []} chosen={chosen} onChange={setChosen} />
      <label>
        Description
        <textarea name="description" rows={3} maxLength={10_000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        <input type="checkbox" name="enable_net" checked={enableNet} onChange={(e) => setEnableNet(e.target.checked)} /> Builds may use the network
      </label>
      <ErrorMessage error={error} />
      <p>
        <button type="submit" disabled={sending}>
          {sending ? "Creating…" : "Create project"}
        </button>{" "}
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </p>
    </form>
  );
}
