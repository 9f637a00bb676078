import { useEffect, useMemo, useRef, useState } from 'react';
import {
  useLogout,
  useLogoutAll,
  useLogoutOthers,
  useRenameSession,
  useRevokeSession,
  useSessions,
} from '../api/resources/auth/hooks';
import { fieldLimits } from '../api/types/schema.gen';
import type { Session } from '../api/types/auth';
import { ConfirmButton, useConfirm } from '../components/ConfirmButton';
import { ErrorMessage } from '../components/ErrorMessage';
import { RenameInPlace, useEditInPlace } from '../components/RenameInPlace';
import { focusMainHeading } from '../components/focus';
import { describeSession } from '../components/format';
import { When } from '../components/When';
import { Pager } from '../components/Pager';
import { rememberDeviceName } from '../deviceName';
import { usePageGone } from '../hooks/usePageGone';
import { useRemovalFocus, type RemovableItemProps } from '../hooks/useRemovalFocus';
import { cancelExpectedSignOut, expectSignOut } from '../signOutNotice';

const PAGE_SIZE = 20;
export const DEVICE_NAME_MAX = fieldLimits.PatchedSessionRenameRequest.device_name.maxLength;

/** Client check of a device name: 1 to 100 characters once trimmed (as the server counts). */
export function validateDeviceName(values: { device_name: string }) {
  const name = values.device_name.trim();
  if (!name) return { device_name: ['Give the device a name.'] };
  if (name.length > DEVICE_NAME_MAX)
    return { device_name: [`Use at most ${DEVICE_NAME_MAX} characters (now ${name.length}).`] };
  return { device_name: [] };
}

/** "Sign out all other devices" asks about this many: every live session but the caller's. */
export function otherDevices(total: number): number {
  return Math.max(0, total - 1);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The current device first, then the others as the server ordered them. */
export function currentFirst(sessions: readonly Session[]): Session[] {
  return [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
}

/** The inline rename form of a session; renaming this device also renames the next sign-in here. */
function RenameSession({ session, label, onDone }: { session: Session; label: string; onDone: () => void }) {
  const rename = useRenameSession();
  return (
    <RenameInPlace
      field="device_name"
      initial={session.device_name}
      label={label}
      maxLength={DEVICE_NAME_MAX}
      hint={`1 to ${DEVICE_NAME_MAX} characters.`}
      validate={validateDeviceName}
      onSave={async (device_name) => {
        const renamed = await rename.mutateAsync({ id: session.id, device_name });
        if (session.current) rememberDeviceName(renamed.device_name); // offered at the next sign-in here
      }}
      onDone={onDone}
    />
  );
}

interface RowProps extends RemovableItemProps<Session['id']> {
  session: Session;
}

function SessionRow({ session, itemRef, onLeaving, onStaying }: RowProps) {
  const revoke = useRevokeSession();
  const logout = useLogout();
  const { editing: renaming, setEditing: setRenaming, openerRef: renameRef } = useEditInPlace();
  const { name, detail } = describeSession(session);
  const times = [
    ['Signed in', session.created_at],
    ['Last used', session.last_used_at],
    ['Expires', session.expires_at],
  ] as const;

  function endThisDevice() {
    expectSignOut('logged_out');
    logout.mutate();
  }

  const end = useConfirm(
    session.current
      ? {
          label: 'End session',
          ariaLabel: `End session on ${name} (this device)`,
          question: 'This is the device you are using: ending its session signs you out here.',
          confirmLabel: 'Sign me out',
          pending: logout.isPending,
          onConfirm: endThisDevice,
        }
      : {
          label: revoke.isPending ? 'Ending…' : 'End session',
          ariaLabel: `End session on ${name}`,
          question: <>Sign out {name}? That device will have to sign in again.</>,
          confirmLabel: 'Yes, end it',
          pending: revoke.isPending,
          onConfirm: () => {
            onLeaving(session.id);
            revoke.mutate(session.id, { onError: onStaying });
          },
        },
  );

  return (
    <li ref={itemRef} className={`session${session.current ? ' current' : ''}`} data-testid="session">
      <div className="session-main">
        {renaming ? (
          <RenameSession session={session} label={name} onDone={() => setRenaming(false)} />
        ) : (
          <>
            <strong className="session-device">{name}</strong>
            {session.current && <span className="badge">This device</span>}
            <button
              ref={renameRef}
              type="button"
              className="btn btn-small"
              aria-label={`Rename ${name}${session.current ? ' (this device)' : ''}`}
              onClick={() => setRenaming(true)}
            >
              Rename
            </button>
          </>
        )}
        {detail && (
          <span className="session-ua" title={session.user_agent}>
            {detail}
          </span>
        )}
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
      <div className="actions">{end.opener}</div>
      {end.prompt}
    </li>
  );
}

export function SessionsPage() {
  const [page, setPage] = useState(1);
  const sessions = useSessions({ page, page_size: PAGE_SIZE });
  const pageGone = usePageGone(page, setPage, sessions.error);
  const logoutAll = useLogoutAll();
  const logoutOthers = useLogoutOthers();

  function onLogoutAll() {
    expectSignOut('logged_out_everywhere');
    logoutAll.mutate(undefined, { onError: cancelExpectedSignOut });
  }

  const data = sessions.data;
  const others = data ? otherDevices(data.count) : 0;
  const ids = useMemo(() => (data ? currentFirst(data.results).map((s) => s.id) : undefined), [data]);
  const focusProps = useRemovalFocus(ids, String(page), focusMainHeading);
  // Said only while true: another device signing in afterwards makes it false.
  const othersSignedOut = logoutOthers.isSuccess && others === 0;
  // Its button is gone once it worked: the focus goes to what it says.
  const signedOutRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (othersSignedOut) signedOutRef.current?.focus();
  }, [othersSignedOut]);

  return (
    <main className="page">
      <h1 tabIndex={-1}>Your sessions</h1>
      <p className="muted">
        Every device where you are signed in. Ending a session signs that device out at once.
      </p>
      <ErrorMessage error={pageGone ? null : sessions.error} />
      {sessions.isPending && <p className="muted">Loading…</p>}
      {data && (
        <ul className="sessions" aria-label="Sessions">
          {currentFirst(data.results).map((s) => (
            <SessionRow key={s.id} session={s} {...focusProps(s.id)} />
          ))}
        </ul>
      )}
      <Pager page={page} pageSize={PAGE_SIZE} list={data} onPage={setPage} />
      <section className="card danger-zone" aria-labelledby="others-title">
        <h2 id="others-title">Sign out all other devices</h2>
        <p>Ends every session but this one. This device stays signed in.</p>
        <ErrorMessage error={logoutOthers.error} />
        {othersSignedOut && (
          <p ref={signedOutRef} tabIndex={-1} className="alert alert-success" role="status">
            Every other device has been signed out.
          </p>
        )}
        {data && others === 0 && !othersSignedOut && <p className="muted">No other device is signed in.</p>}
        {others > 0 && (
          <ConfirmButton
            label="Sign out all other devices"
            className="btn btn-danger"
            question={`Sign out ${plural(others, 'other device')}? This device stays signed in.`}
            confirmLabel="Yes, sign them out"
            pending={logoutOthers.isPending}
            onConfirm={() => logoutOthers.mutate()}
          />
        )}
      </section>
      <section className="card danger-zone" aria-labelledby="everywhere-title">
        <h2 id="everywhere-title">Sign out everywhere</h2>
        <p>Ends every session, this one included. You will need to sign in again on each device.</p>
        <ErrorMessage error={logoutAll.error} />
        <ConfirmButton
          label="Sign out everywhere"
          className="btn btn-danger"
          question="Sign out every device, this one included?"
          confirmLabel="Yes, sign out everywhere"
          pending={logoutAll.isPending}
          onConfirm={onLogoutAll}
        />
      </section>
    </main>
  );
}
