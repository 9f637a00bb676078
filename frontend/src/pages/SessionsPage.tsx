import { useState } from 'react';
import { useLogoutAll, useRevokeSession, useSessions } from '../api/resources/auth/hooks';
import type { Session } from '../api/types/auth';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatDateTime } from '../components/format';
import { Pager } from '../components/Pager';
import { cancelExpectedSignOut, expectSignOut } from '../signOutNotice';

const PAGE_SIZE = 20;

function SessionRow({ session }: { session: Session }) {
  const revoke = useRevokeSession();
  return (
    <li className={`session${session.current ? ' current' : ''}`} data-testid="session">
      <div className="session-main">
        <strong className="session-device">{session.device_name || 'Unknown device'}</strong>
        {session.current && <span className="badge">This device</span>}
        <span className="session-ua" title={session.user_agent}>{session.user_agent}</span>
        <dl className="session-meta">
          <div><dt>IP</dt><dd>{session.ip_address ?? '—'}</dd></div>
          <div><dt>Signed in</dt><dd>{formatDateTime(session.created_at)}</dd></div>
          <div><dt>Last used</dt><dd>{formatDateTime(session.last_used_at)}</dd></div>
          <div><dt>Expires</dt><dd>{formatDateTime(session.expires_at)}</dd></div>
        </dl>
        <ErrorMessage error={revoke.error} />
      </div>
      {!session.current && (
        <button type="button" className="btn btn-small btn-danger" disabled={revoke.isPending}
          onClick={() => revoke.mutate(session.id)}
          aria-label={`Revoke ${session.device_name || 'session'}`}>
          {revoke.isPending ? 'Revoking…' : 'Revoke'}
        </button>
      )}
    </li>
  );
}

export function SessionsPage() {
  const [page, setPage] = useState(1);
  const sessions = useSessions({ page, page_size: PAGE_SIZE });
  const logoutAll = useLogoutAll();
  const [confirming, setConfirming] = useState(false);

  function onLogoutAll() {
    expectSignOut('You have been logged out on every device.');
    logoutAll.mutate(undefined, { onError: cancelExpectedSignOut });
  }

  const data = sessions.data;
  return (
    <main className="page">
      <h1>Your sessions</h1>
      <p className="muted">
        Every device where you are logged in. Revoking a session logs that device out at once.
      </p>
      <ErrorMessage error={sessions.error} />
      {sessions.isPending && <p className="muted">Loading…</p>}
      {data && (
        <ul className="sessions" aria-label="Sessions">
          {data.results.map((s) => <SessionRow key={s.id} session={s} />)}
        </ul>
      )}
      {data && (
        <Pager page={page} count={data.count} pageSize={PAGE_SIZE} hasNext={!!data.next}
          hasPrevious={!!data.previous} onPage={setPage} />
      )}
      <section className="card danger-zone">
        <h2>Log out everywhere</h2>
        <p>Ends every session, this one included. You will need to log in again on each device.</p>
        <ErrorMessage error={logoutAll.error} />
        {confirming ? (
          <div className="actions">
            <button type="button" className="btn btn-danger" disabled={logoutAll.isPending} onClick={onLogoutAll}>
              Yes, log out everywhere
            </button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>Cancel</button>
          </div>
        ) : (
          <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
            Log out everywhere
          </button>
        )}
      </section>
    </main>
  );
}
