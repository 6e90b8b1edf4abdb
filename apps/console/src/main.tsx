import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { href, useRoute, type Route } from './router';
import { session, type Role } from './session';
import { Agent } from './screens/Agent';
import { Agents } from './screens/Agents';
import { Chat } from './screens/Chat';
import { Chats } from './screens/Chats';
import { SignIn } from './screens/SignIn';
import { Tenants } from './screens/Tenants';
import { ScreenHeading } from './ui';
import './styles.css';

function useRole(): Role | null {
  const [role, setRole] = useState(session.role);
  useEffect(() => session.subscribe(() => setRole(session.role())), []);
  return role;
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
        <Screen key={JSON.stringify(route)} route={route} role={role} />
      </div>
    </>
  );
}

const root = document.getElementById('app')!;
root.replaceChildren(); // the "Loading the console…" placeholder of index.html
render(<App />, root);
