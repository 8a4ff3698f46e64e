import { paths } from "./route.ts";

/** How to use a project's repository with dnf, per chroot, and the key its packages are signed with. */
export function InstallInstructions({ owner, project, chroots, packages, signingKey }: {
  owner: string; project: string; chroots: readonly string[]; packages: readonly string[]; signingKey: string | undefined;
}) {
  const pkg = packages[0] ?? "PACKAGE";
  const keyUrl = new URL(paths.publicKey(owner, project), window.location.origin).href;
  return (
    <section aria-labelledby="install-heading">
      <h2 id="install-heading">Installation</h2>
      <p>Add the repository for your system, then install from it:</p>
      <p data-testid="signing-key">
        Packages are signed with the project's key{signingKey === undefined ? " (being made)" : <> <code>{signingKey}</code></>}; dnf imports it from{" "}
        <a href={keyUrl}>{keyUrl}</a> on first install (<code>gpgcheck=1</code>).
      </p>
      {chroots.map((chroot) => {
        const url = new URL(paths.repoFile(owner, project, chroot), window.location.origin).href;
        return (
          <div key={chroot} className="install">
            <h3>{chroot}</h3>
            <p>
              Repository file: <a href={url}>{url}</a>
            </p>
            <pre>
              <code>{`sudo dnf config-manager --add-repo ${url}\nsudo dnf install ${pkg}`}</code>
            </pre>
          </div>
        );
      })}
    </section>
  );
}
