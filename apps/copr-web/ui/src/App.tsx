import { useEffect, useMemo, useState } from "react";
import { createApi, type Whoami } from "./api.ts";
import { ApiPage } from "./ApiPage.tsx";
import { SessionContext, type Session } from "./ApiContext.ts";
import { BuildPage } from "./BuildPage.tsx";
import { BuildersPage } from "./BuildersPage.tsx";
import { HomePage } from "./HomePage.tsx";
import { Layout } from "./Layout.tsx";
import { NotFoundPage } from "./NotFoundPage.tsx";
import { ProjectPage } from "./ProjectPage.tsx";
import { ProjectsPage } from "./ProjectsPage.tsx";
import { parseRoute, useLocationPath, type Route } from "./route.ts";
import { StatusPage } from "./StatusPage.tsx";
import { loadToken, saveToken } from "./tokenStorage.ts";

/** The whole UI: session (token, whoami), routing, layout. */
export function App() {
  const [token, setTokenState] = useState<string | null>(loadToken);
  const [user, setUser] = useState<Whoami | null>(null);
  const api = useMemo(() => createApi(() => token), [token]);
  useEffect(() => {
    let current = true;
    setUser(null);
    if (token !== null) {
      api.whoami.query().then(
        (u) => current && setUser(u),
        () => current && setUser(null),
      );
    }
    return () => {
      current = false;
    };
  }, [api, token]);
  const session = useMemo<Session>(() => ({
    api, user, token,
    setToken: (t) => {
      saveToken(t);
      setTokenState(t);
    },
  }), [api, user, token]);
  const path = useLocationPath();
  const route = parseRoute(path);
  useEffect(() => {
    document.title = `${title(route)} – Copr`;
  });
  return (
    <SessionContext value={session}>
      <Layout path={path}>
        <Page route={route} />
      </Layout>
    </SessionContext>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "home":
      return <HomePage />;
    case "projects":
      return <ProjectsPage />;
    case "project":
      return <ProjectPage key={`${route.owner}/${route.name}`} owner={route.owner} name={route.name} />;
    case "build":
      return <BuildPage key={route.id} id={route.id} />;
    case "builders":
      return <BuildersPage />;
    case "status":
      return <StatusPage />;
    case "api":
      return <ApiPage />;
    case "not-found":
      return <NotFoundPage path={route.path} />;
  }
}

function title(route: Route): string {
  switch (route.page) {
    case "home":
      return "Builds";
    case "projects":
      return "Projects";
    case "project":
      return `${route.owner}/${route.name}`;
    case "build":
      return `Build ${route.id}`;
    case "builders":
      return "Builders";
    case "status":
      return "Status";
    case "api":
      return "API";
    case "not-found":
      return "Not found";
  }
}
