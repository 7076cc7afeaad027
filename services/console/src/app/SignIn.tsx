import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { decodeIdentity, isExpired, TokenFormatError } from '../model/jwt-claims.js';
import { api, ApiError, describeError } from './api.js';
import type { Session } from './identity.js';

/**
 * Sign-in: paste a bearer token (from your identity provider, or `npx ledgerflow token --user <id>` on one
 * machine). The token is checked by the gateway before the console accepts it.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const fieldId = useId();
  const helpId = useId();

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(undefined);
    const credential = token.trim().replace(/^Bearer\s+/i, '');
    let identity;
    try {
      identity = decodeIdentity(credential);
    } catch (failure) {
      setError(failure instanceof TokenFormatError ? failure.message : describeError(failure));
      return;
    }
    if (isExpired(identity, Date.now())) {
      setError(`This token expired at ${new Date(identity.expiresAt ?? 0).toLocaleString()}: get a new one.`);
      return;
    }
    setBusy(true);
    try {
      // Any authenticated read says whether the gateway accepts the token: gates naming the bearer need no scope
      // beyond gates:decide or runs:read; a token holding neither is still a valid sign-in (403 below).
      await api(credential, '/v1/gates?reviewer=me&status=open');
      onSignedIn({ token: credential, identity });
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 403) onSignedIn({ token: credential, identity });
      else setError(`The gateway refused this token: ${describeError(failure)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin">
      <h1>Sign in to the Ledgerflow console</h1>
      <form onSubmit={(event) => void submit(event)} aria-describedby={helpId}>
        <label htmlFor={fieldId}>Bearer token</label>
        <textarea
          id={fieldId}
          name="token"
          rows={6}
          spellCheck={false}
          autoComplete="off"
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-invalid={error ? true : undefined}
        />
        <p id={helpId} className="hint">
          Paste a token from your identity provider or a service account key. On one machine,{' '}
          <code>npx ledgerflow token --user &lt;you&gt; --roles &lt;role&gt;</code> prints a development token. It is
          kept in this tab only (session storage) and sent only to this gateway.
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
