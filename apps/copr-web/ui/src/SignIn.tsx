import { useState, type FormEvent } from "react";
import { useSession } from "./ApiContext.ts";

/** Paste an API token to act as yourself; reading needs none. */
export function SignIn() {
  const { user, token, setToken } = useSession();
  const [text, setText] = useState("");
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const t = text.trim();
    if (t !== "") setToken(t);
    setText("");
  };
  if (token !== null) {
    return (
      <div className="signin">
        <span aria-live="polite" data-testid="whoami">
          {user === null ? "token not accepted" : `signed in as ${user.name}${user.admin ? " (admin)" : ""}`}
        </span>{" "}
        <button type="button" onClick={() => setToken(null)}>
          Sign out
        </button>
      </div>
    );
  }
  return (
    <form className="signin" onSubmit={submit}>
      <label htmlFor="api-token">API token</label>{" "}
      <input id="api-token" type="password" autoComplete="off" value={text} onChange={(e) => setText(e.target.value)} placeholder="copr_…" />{" "}
      <button type="submit">Sign in</button>
    </form>
  );
}
