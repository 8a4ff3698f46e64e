import { useSession } from "./ApiContext.ts";

/** Client configuration for the signed-in user: `copr` and Copr's own copr-cli read the same file. */
export function ApiPage() {
  const { user, token } = useSession();
  const url = window.location.origin;
  return (
    <>
      <h1>API</h1>
      <p>
        This server speaks Copr's API v3 under <code>{url}/api_3/</code>, so Copr's own <code>copr-cli</code> (and python-copr, Packit, tito) work with it, and
        our <code>copr</code> command too. Both read <code>~/.config/copr</code>.
      </p>
      {user === null || token === null ? (
        <p>Sign in with your API token to see your configuration. An administrator creates your account and token.</p>
      ) : (
        <>
          <p>
            Put this into <code>~/.config/copr</code>:
          </p>
          <pre data-testid="client-config">
            {[
              "[copr-cli]",
              `copr_url = ${url}`,
              `login = ${user.login}`,
              `username = ${user.name}`,
              `token = ${token}`,
              ...(url.startsWith("http://") ? ["# copr-cli needs this for a plain-http server:", "encrypted = False"] : []),
            ].join("\n")}
          </pre>
        </>
      )}
    </>
  );
}
