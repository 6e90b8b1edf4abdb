import { render, type ComponentChildren } from 'preact';
import { useEffect, useErrorBoundary, useState } from 'preact/hooks';
import { href, useRoute, type Route } from './router';
import { session, type Role } from './session';
import { Agent } from './screens/Agent';
import { Agents } from './screens/Agents';
import { Chat } from './screens/Chat';
import { Chats, knownChats } from './screens/Chats';
import { SignIn } from './screens/SignIn';
import { Tenants } from './screens/Tenants';
import { ScreenHeading } from './ui';
import './styles.css';

function useRole(): Role | null {
  const [role, setRole] = useState(session.role);
  useEffect(
    () =>
      session.subscribe(() => {
        const now = session.role();
        if (now === null) knownChats.clear(); // nothing of the last tenant stays in memory
        setRole(now);
      }),
    [],
  );
  return role;
}

/** A screen that throws while rendering shows this instead of a blank page; the rest of the console goes on. */
function Guarded({ children }: { children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary();
  if (!error) return <>{children}</>;
  return (
    <main>
      <div class="notice error" role="alert">
        <p>This screen failed: {error instanceof Error ? error.message : String(error)}</p>
        <button type="button" class="secondary" onClick={reset}>
          Try again
        </button>
      </div>
    </main>
  );
}

function Screen({ route, role }: { route: Route; role: Role }) {
  if (role === 'operator') {
    if (route.screen === 'tenants' || route.screen === 'agents') return <Tenants />;
    return <NotFound what="This screen is for tenants: sign in with a tenant API key to see it." />;
  }
  switch (route.screen) {
    case 'agents':
      return <Agents />;
    case 'agent':
      return <Agent agentId={route.agentId} />;
    case 'chats':
      return <Chats channelId={route.channelId} />;
    case 'chat':
      return <Chat channelId={route.channelId} chatId={route.chatId} />;
    case 'tenants':
      return <NotFound what="The tenants screen is for the platform operator." />;
    case 'not-found':
      return <NotFound what="There is no such screen." />;
  }
}

function NotFound({ what }: { what: string }) {
  return (
    <main>
      <ScreenHeading>Not found</ScreenHeading>
      <p>{what}</p>
    </main>
  );
}

function App() {
  const role = useRole();
  const route = useRoute();
  if (!role) {
    return (
      <>
        <header class="top">
          <span class="brand">channel-service</span>
        </header>
        <SignIn />
      </>
    );
  }
  const home = role === 'operator' ? href.tenants() : href.agents();
  return (
    <>
      <a
        class="skip"
        href="#content"
        onClick={(event) => (event.preventDefault(), document.querySelector('h1')?.focus())}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={home}>
          channel-service
        </a>
        <nav aria-label="Main">
          <a href={home}>{role === 'operator' ? 'Tenants' : 'Agents'}</a>
        </nav>
        <span class="who">{role === 'operator' ? 'Operator' : 'Tenant'}</span>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            session.signOut();
            history.replaceState(null, '', location.pathname);
          }}
        >
          Sign out
        </button>
      </header>
      <div id="content">
        <Guarded key={JSON.stringify(route)}>
          <Screen route={route} role={role} />
        </Guarded>
      </div>
    </>
  );
}

const root = document.getElementById('app')!;
root.replaceChildren(); // the "Loading the console…" placeholder of index.html
render(<App />, root);
