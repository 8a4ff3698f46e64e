import type { ReactNode } from "react";
import { Link } from "./Link.tsx";
import { SignIn } from "./SignIn.tsx";

const NAV: [string, string][] = [
  ["/", "Builds"],
  ["/projects", "Projects"],
  ["/builders", "Builders"],
  ["/status", "Status"],
  ["/api", "API"],
];

/** Header with navigation and sign-in, then the page. */
export function Layout({ path, children }: { path: string; children: ReactNode }) {
  return (
    <>
      <header>
        <nav aria-label="main">
          <Link href="/" className="brand">
            Copr
          </Link>
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={(href === "/" ? path === "/" : path.startsWith(href)) ? "page" : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <SignIn />
      </header>
      <main>{children}</main>
    </>
  );
}
