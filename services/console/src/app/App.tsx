import { useState } from 'react';
import { decodeIdentity, isExpired } from '../model/jwt-claims.js';
import { GatesPage } from './GatesPage.js';
import { SessionContext } from './identity.js';
import type { Session } from './identity.js';
import { Link, Router, useRoute } from './router.js';
import { RunPage } from './RunPage.js';
import { RunsPage } from './RunsPage.js';
import { storedToken, storeToken } from './session.js';
import { SignIn } from './SignIn.js';
import { MemoryPage } from './MemoryPage.js';
import { WorkflowsPage } from './WorkflowsPage.js';

function restoredSession(): Session | undefined {
  const token = storedToken();
  if (!token) return undefined;
  try {
    const identity = decodeIdentity(token);
    return isExpired(identity, Date.now()) ? undefined : { token, identity };
  } catch {
    return undefined;
  }
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(restoredSession);
  const signIn = (next: Session): void => {
    storeToken(next.token);
    setSession(next);
  };
  const signOut = (): void => {
    storeToken(undefined);
    setSession(undefined);
  };
  return (
    <Router>
      <a className="skip" href="#main">
        Skip to content
      </a>
      {session ? (
        <SessionContext.Provider value={session}>
          <Header session={session} onSignOut={signOut} />
          <Page />
        </SessionContext.Provider>
      ) : (
        <SignIn onSignedIn={signIn} />
      )}
    </Router>
  );
}

function Header({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { identity } = session;
  return (
    <header className="top">
      <nav aria-label="Console">
        <span className="brand">Ledgerflow</span>
        <Link to={{ page: 'runs' }}>Runs</Link>
        <Link to={{ page: 'gates' }}>Gates</Link>
        <Link to={{ page: 'workflows' }}>Workflows</Link>
        <Link to={{ page: 'memory' }}>Memory</Link>
      </nav>
      <section className="who" aria-label="Signed in">
        <p>
          Signed in as <strong data-testid="signed-in-as">{identity.subject}</strong>
          {identity.service ? ' (a service)' : ''}
        </p>
        <dl className="claims">
          <dt>Roles</dt>
          <dd data-testid="roles">{identity.roles.join(', ') || 'none'}</dd>
          <dt>Teams</dt>
          <dd>{identity.teams.join(', ') || 'none'}</dd>
          <dt>Scopes</dt>
          <dd>{identity.kind === 'api_key' ? 'those of the API key' : identity.scopes.join(' ') || 'none'}</dd>
          {identity.expiresAt !== undefined && (
            <>
              <dt>Expires</dt>
              <dd>
                <time dateTime={new Date(identity.expiresAt).toISOString()}>
                  {new Date(identity.expiresAt).toLocaleString()}
                </time>
              </dd>
            </>
          )}
        </dl>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </section>
    </header>
  );
}

function Page() {
  const { route } = useRoute();
  switch (route.page) {
    case 'runs':
      return <RunsPage />;
    case 'run':
      return <RunPage key={route.runId} runId={route.runId} />;
    case 'gates':
      return <GatesPage />;
    case 'workflows':
      return <WorkflowsPage {...(route.workflowId ? { workflowId: route.workflowId } : {})} />;
    case 'memory':
      return <MemoryPage {...(route.workflowId ? { workflowId: route.workflowId } : {})} />;
    case 'not_found':
      return (
        <main id="main">
          <h1>Page not found</h1>
          <p>
            The console has no page at <code>{route.path}</code>. <Link to={{ page: 'runs' }}>Go to the runs</Link>.
          </p>
        </main>
      );
  }
}
