import { useState } from 'react';
import { useLogout, useLogoutAll, useRevokeSession, useSessions } from '../api/resources/auth/hooks';
import type { Session } from '../api/types/auth';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorMessage } from '../components/ErrorMessage';
import { describeUserAgent, formatDateTime, formatRelative } from '../components/format';
import { Pager } from '../components/Pager';
import { cancelExpectedSignOut, expectSignOut } from '../signOutNotice';

const PAGE_SIZE = 20;

/** The current device first, then the others as the server ordered them. */
export function currentFirst(sessions: readonly Session[]): Session[] {
  return [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
}

function When({ value }: { value: string | null | undefined }) {
  if (!value) return <>—</>;
  return (
    <time dateTime={value} title={formatDateTime(value)}>
      {formatRelative(value)}
    </time>
  );
}

function SessionRow({ session }: { session: Session }) {
  const revoke = useRevokeSession();
  const logout = useLogout();
  const device = describeUserAgent(session.user_agent);
  const name = session.device_name || device || 'Unknown device';
  const times = [
    ['Signed in', session.created_at],
    ['Last used', session.last_used_at],
    ['Expires', session.expires_at],
  ] as const;

  function endThisDevice() {
    expectSignOut('logged_out');
    logout.mutate();
  }

  return (
    <li className={`session${session.current ? ' current' : ''}`} data-testid="session">
      <div className="session-main">
        <strong className="session-device">{name}</strong>
        {session.current && <span className="badge">This device</span>}
        <span className="session-ua" title={session.user_agent}>
          {device && device !== name ? device : session.user_agent || 'Unknown browser'}
        </span>
        <dl className="session-meta">
          <div>
            <dt>IP</dt>
            <dd>{session.ip_address ?? '—'}</dd>
          </div>
          {times.map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>
                <When value={value} />
              </dd>
            </div>
          ))}
        </dl>
        <ErrorMessage error={revoke.error} />
      </div>
      {session.current ? (
        <ConfirmButton
          label="End session"
          ariaLabel={`End session on ${name} (this device)`}
          question="This is the device you are using: ending its session signs you out here."
          confirmLabel="Sign me out"
          pending={logout.isPending}
          onConfirm={endThisDevice}
        />
      ) : (
        <ConfirmButton
          label={revoke.isPending ? 'Ending…' : 'End session'}
          ariaLabel={`End session on ${name}`}
          question={<>Sign out {name}? That device will have to log in again.</>}
          confirmLabel="Yes, end it"
          pending={revoke.isPending}
          onConfirm={() => revoke.mutate(session.id)}
        />
      )}
    </li>
  );
}

export function SessionsPage() {
  const [page, setPage] = useState(1);
  const sessions = useSessions({ page, page_size: PAGE_SIZE });
  const logoutAll = useLogoutAll();

  function onLogoutAll() {
    expectSignOut('logged_out_everywhere');
    logoutAll.mutate(undefined, { onError: cancelExpectedSignOut });
  }

  const data = sessions.data;
  return (
    <main className="page">
      <h1>Your sessions</h1>
      <p className="muted">
        Every device where you are logged in. Ending a session signs that device out at once.
      </p>
      <ErrorMessage error={sessions.error} />
      {sessions.isPending && <p className="muted">Loading…</p>}
      {data && (
        <ul className="sessions" aria-label="Sessions">
          {currentFirst(data.results).map((s) => (
            <SessionRow key={s.id} session={s} />
          ))}
        </ul>
      )}
      <Pager page={page} pageSize={PAGE_SIZE} list={data} onPage={setPage} />
      <section className="card danger-zone" aria-labelledby="everywhere-title">
        <h2 id="everywhere-title">Log out everywhere</h2>
        <p>Ends every session, this one included. You will need to log in again on each device.</p>
        <ErrorMessage error={logoutAll.error} />
        <ConfirmButton
          label="Log out everywhere"
          className="btn btn-danger"
          question="Sign out every device, this one included?"
          confirmLabel="Yes, log out everywhere"
          pending={logoutAll.isPending}
          onConfirm={onLogoutAll}
        />
      </section>
    </main>
  );
}
