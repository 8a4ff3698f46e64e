import { paths } from "./route.ts";

/** How to use a project's repository with dnf, per chroot. */
export function InstallInstructions({ owner, project, chroots, packages }: { owner: string; project: string; chroots: readonly string[]; packages: readonly string[] }) {
  const pkg = packages[0] ?? "PACKAGE";
  return (
    <section aria-labelledby="install-heading">
      <h2 id="install-heading">Installation</h2>
      <p>Add the repository for your system, then install from it:</p>
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
