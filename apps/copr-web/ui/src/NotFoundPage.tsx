import { Link } from "./Link.tsx";

export function NotFoundPage({ path }: { path: string }) {
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. Go to the <Link href="/">recent builds</Link>.
      </p>
    </>
  );
}
