import { useMemo, useState } from 'react';
import { fieldLimits } from '../api/types/schema.gen';
import {
  useAddPasskey,
  useDeletePasskey,
  usePasskeys,
  useRenamePasskey,
} from '../api/resources/passkeys/hooks';
import type { Passkey } from '../api/types/passkey';
import { passkeysSupported } from '../api/webauthn';
import { useConfirm } from '../components/ConfirmButton';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field, FormErrors, SubmitButton } from '../components/Field';
import { RenameInPlace, useEditInPlace } from '../components/RenameInPlace';
import { When } from '../components/When';
import { useForm } from '../components/useForm';
import { useReauthPrompt } from '../components/Reauth';
import { Pager } from '../components/Pager';
import { usePageGone } from '../hooks/usePageGone';
import { useRemovalFocus, type RemovableItemProps } from '../hooks/useRemovalFocus';

const PAGE_SIZE = 20;

/** As the server takes it: 1 to 100 characters once trimmed (a default name when left empty on add). */
export const PASSKEY_NAME_MAX = fieldLimits.PatchedPasskeyRenameRequest.name.maxLength;

export function validatePasskeyName(values: { name: string }, { optional = false } = {}) {
  const name = values.name.trim();
  if (!name && !optional) return { name: ['Give the passkey a name.'] };
  if (name.length > PASSKEY_NAME_MAX)
    return { name: [`Use at most ${PASSKEY_NAME_MAX} characters (now ${name.length}).`] };
  return { name: [] };
}

function RenamePasskey({ passkey, onDone }: { passkey: Passkey; onDone: () => void }) {
  const rename = useRenamePasskey();
  return (
    <RenameInPlace
      field="name"
      initial={passkey.name}
      label={passkey.name}
      maxLength={PASSKEY_NAME_MAX}
      validate={(v) => validatePasskeyName(v)}
      onSave={(name) => rename.mutateAsync({ id: passkey.id, name })}
      onDone={onDone}
    />
  );
}

interface RowProps extends RemovableItemProps<Passkey['id']> {
  passkey: Passkey;
}

function PasskeyRow({ passkey, itemRef, onLeaving, onStaying }: RowProps) {
  const remove = useDeletePasskey(useReauthPrompt());
  const { editing: renaming, setEditing: setRenaming, openerRef: renameRef } = useEditInPlace();

  const confirm = useConfirm({
    label: remove.isPending ? 'Removing…' : 'Remove',
    ariaLabel: `Remove passkey ${passkey.name}`,
    question: (
      <>Remove the passkey “{passkey.name}”? It will no longer sign you in (delete it from the device too).</>
    ),
    confirmLabel: 'Yes, remove it',
    pending: remove.isPending,
    onConfirm: () => {
      onLeaving(passkey.id);
      remove.mutate(passkey.id, { onError: onStaying });
    },
  });

  return (
    <li ref={itemRef} className="session" data-testid="passkey">
      <div className="session-main">
        {renaming ? (
          <RenamePasskey passkey={passkey} onDone={() => setRenaming(false)} />
        ) : (
          <>
            <strong className="session-device">{passkey.name}</strong>
            <button
              ref={renameRef}
              type="button"
              className="btn btn-small"
              aria-label={`Rename passkey ${passkey.name}`}
              onClick={() => setRenaming(true)}
            >
              Rename
            </button>
          </>
        )}
        <dl className="session-meta">
          <div>
            <dt>Added</dt>
            <dd>
              <When value={passkey.created_at} />
            </dd>
          </div>
          <div>
            <dt>Last used</dt>
            <dd>{passkey.last_used_at ? <When value={passkey.last_used_at} /> : 'Never'}</dd>
          </div>
        </dl>
        <ErrorMessage error={remove.error} />
      </div>
      <div className="actions">{confirm.opener}</div>
      {confirm.prompt}
    </li>
  );
}

function AddPasskey() {
  const add = useAddPasskey(useReauthPrompt());
  const form = useForm({ name: '' }, { validate: (v) => validatePasskeyName(v, { optional: true }) });
  const onSubmit = form.onSubmit(async (v) => {
    await add.mutateAsync(v.name);
    form.reset({ name: '' });
  });
  return (
    <form onSubmit={onSubmit} noValidate className="add-passkey">
      <Field
        label="Name of the new passkey (optional)"
        binding={form.field('name')}
        placeholder="e.g. Laptop fingerprint"
        maxLength={PASSKEY_NAME_MAX}
        hint="Helps you tell your passkeys apart; left empty, the server names it."
      />
      <FormErrors messages={form.general} />
      {form.done && (
        <p className="alert alert-success" role="status">
          Passkey added. You can now sign in with it.
        </p>
      )}
      <SubmitButton
        pending={form.pending}
        label="Add a passkey"
        pendingLabel="Waiting for the passkey…"
        className="btn btn-primary"
      />
    </form>
  );
}

function focusAddPasskey() {
  document.querySelector<HTMLElement>('.add-passkey input')?.focus();
}

/** The profile page's passkeys: list (added, last used), add, rename in place, remove (asks first). */
export function PasskeysSection() {
  const [page, setPage] = useState(1);
  const passkeys = usePasskeys({ page, page_size: PAGE_SIZE });
  const pageGone = usePageGone(page, setPage, passkeys.error);
  const data = passkeys.data;
  const ids = useMemo(() => data?.results.map((p) => p.id), [data]);
  // The last one removed: the focus goes to the field that adds one.
  const focusProps = useRemovalFocus(ids, `passkeys ${page}`, focusAddPasskey);
  return (
    <section className="card" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">Passkeys</h2>
      <p className="muted">
        Sign in with this device’s screen lock, fingerprint or a security key instead of your password.
      </p>
      <ErrorMessage error={pageGone ? null : passkeys.error} />
      {passkeys.isPending && <p className="muted">Loading…</p>}
      {data && data.count === 0 && <p className="muted">You have no passkey yet.</p>}
      {data && data.count > 0 && (
        <ul className="sessions" aria-label="Your passkeys">
          {data.results.map((p) => (
            <PasskeyRow key={p.id} passkey={p} {...focusProps(p.id)} />
          ))}
        </ul>
      )}
      <Pager page={page} pageSize={PAGE_SIZE} list={data} onPage={setPage} />
      {passkeysSupported() ? <AddPasskey /> : <p className="muted">This browser cannot create passkeys.</p>}
    </section>
  );
}
