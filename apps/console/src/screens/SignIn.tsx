import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { session, type Role } from '../session';
import { ErrorNotice, ScreenHeading, asApiError } from '../ui';

/**
 * One field for both credentials. A tenant API key is accepted by the agents route; the operator token is refused
 * there with 403 and accepted by the tenants route. Nothing is stored until the service has accepted the credential.
 */
async function identify(token: string): Promise<Role> {
  try {
    await api.listAgents(token);
    return 'tenant';
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
  }
  await api.listTenants(token);
  return 'operator';
}

export function SignIn() {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const expired = session.expired();

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError(new ApiError(0, 'CONSOLE', 'Enter a tenant API key or the operator token.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const role = await identify(value);
      setToken('');
      session.signIn(value, role);
      location.hash = role === 'operator' ? '#/tenants' : '#/agents';
    } catch (caught) {
      const failure = asApiError(caught);
      setError(
        failure.status === 401
          ? new ApiError(401, failure.code, 'The service did not accept this key or token. Check it and try again.')
          : failure,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <ScreenHeading>Sign in</ScreenHeading>
      <p>
        Sign in with your tenant API key (<code>csk_…</code>) to configure your agents' channels, or with the operator
        token to manage tenants. It is kept in this browser tab only, until you sign out or close the tab.
      </p>
      {expired && !error && (
        <p class="notice" role="status">
          Your key or token is no longer accepted: sign in again.
        </p>
      )}
      <form onSubmit={(event) => void submit(event)} noValidate>
        <label for="sign-in-token">API key or operator token</label>
        <input
          id="sign-in-token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'sign-in-error' : undefined}
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error && (
        <div id="sign-in-error">
          <ErrorNotice error={error} />
        </div>
      )}
    </main>
  );
}
