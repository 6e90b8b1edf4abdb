import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, type Tenant } from '../api';
import { ConfirmDialog, ErrorNotice, ScreenHeading, SecretField, Show, Time, useAction, useLoad } from '../ui';

/** A key as the API shows it once: kept on screen until the operator says it is stored. */
interface ShownKey {
  tenantName: string;
  apiKey: string;
}

/** Takes focus when it appears, so a key created far down the page is announced and seen. */
function NewKey({ shown, onDone }: { shown: ShownKey; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView?.({ block: 'nearest' });
  }, [shown]);
  return (
    <section class="card new-key" aria-labelledby="new-key-title">
      <h2 id="new-key-title" ref={heading} tabIndex={-1}>
        New API key for {shown.tenantName}
      </h2>
      <p>
        This is the only time the key is shown: the service keeps only its hash. Give it to the tenant now, through a
        safe channel.
      </p>
      <SecretField id="new-key-value" label="API key" copyLabel="API key" value={shown.apiKey} />
      <button type="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function TenantKeys({
  tenant,
  onKey,
  keyShown,
}: {
  tenant: Tenant;
  onKey: (shown: ShownKey) => void;
  /** While a new key is on screen, no other is created: it would replace the one not yet copied. */
  keyShown: boolean;
}) {
  const keys = useLoad(() => api.listApiKeys(tenant.id), [tenant.id]);
  const create = useAction(async () => {
    const created = await api.createApiKey(tenant.id);
    onKey({ tenantName: tenant.name, apiKey: created.apiKey });
    await keys.reload();
  });
  const revoke = useAction(async (keyId: string) => {
    await api.revokeApiKey(tenant.id, keyId);
    await keys.reload();
  });
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <div class="keys">
      <Show loaded={keys} what="API keys">
        {(list) =>
          list.length === 0 ? (
            <p class="muted">No API key: the tenant cannot sign in until you create one.</p>
          ) : (
            <ul class="key-list" aria-label={`API keys of ${tenant.name}`}>
              {list.map((key) => (
                <li key={key.id}>
                  <span>
                    Key <code>{key.id.slice(0, 8)}</code>, created <Time value={key.createdAt} />
                  </span>
                  <button
                    type="button"
                    class="danger"
                    disabled={revoke.busy}
                    aria-label={`Revoke key ${key.id.slice(0, 8)}`}
                    onClick={() => setConfirming(key.id)}
                  >
                    Revoke
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
      {revoke.error && <ErrorNotice error={revoke.error} />}
      {create.error && <ErrorNotice error={create.error} />}
      <button type="button" class="secondary" disabled={create.busy || keyShown} onClick={() => void create.run()}>
        {create.busy ? 'Creating…' : 'Create key'}
      </button>
      {confirming && (
        <ConfirmDialog
          title="Revoke this API key?"
          confirm="Revoke"
          danger
          onConfirm={() => void revoke.run(confirming)}
          onClose={() => setConfirming(null)}
        >
          <p>
            Key <code>{confirming.slice(0, 8)}</code> stops working at once, for every program and console that uses it.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** The tenant's own retention as the field shows it: empty when the default applies. */
function ownRetention(tenant: Tenant): string {
  return tenant.messageRetentionSource === 'tenant' ? tenant.messageRetention : '';
}

/** How long the tenant's ended messages are kept: set here, or back to the service default (null). */
function Retention({ tenant, onSaved }: { tenant: Tenant; onSaved: () => Promise<void> }) {
  const id = useId();
  const [value, setValue] = useState(() => ownRetention(tenant));
  const [notice, setNotice] = useState('');
  const save = useAction(async (retention: string | null) => {
    setNotice('');
    const saved = await api.setRetention(tenant.id, retention);
    setValue(ownRetention(saved));
    setNotice(
      saved.messageRetentionSource === 'tenant'
        ? `Saved: ${tenant.name}'s ended messages are kept ${saved.messageRetention}.`
        : `Saved: ${tenant.name} uses the default retention (${saved.messageRetention}).`,
    );
    await onSaved();
  });
  const submit = (retention: string | null): void => {
    if ((retention ?? '') === ownRetention(tenant)) {
      save.clear();
      setNotice('Nothing to save: the retention was not changed.');
      return;
    }
    void save.run(retention);
  };
  return (
    <div class="retention">
      <p class="retention-now">
        Message retention: <strong>{tenant.messageRetention}</strong>{' '}
        {tenant.messageRetentionSource === 'tenant' ? (
          <span class="badge">set for this tenant</span>
        ) : (
          <span class="badge">default</span>
        )}
      </p>
      <form
        class="inline-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const typed = value.trim();
          submit(typed === '' ? null : typed);
        }}
      >
        <div class="field">
          <label for={`${id}-retention`}>Message retention</label>
          <input
            id={`${id}-retention`}
            value={value}
            placeholder="e.g. 7d, 12h"
            spellcheck={false}
            aria-describedby={`${id}-retention-hint`}
            onInput={(event) => {
              setValue(event.currentTarget.value);
              setNotice('');
            }}
          />
        </div>
        <button type="submit" disabled={save.busy} aria-label={`Save the retention of ${tenant.name}`}>
          {save.busy ? 'Saving…' : 'Save'}
        </button>
        {tenant.messageRetentionSource === 'tenant' && (
          <button
            type="button"
            class="secondary"
            disabled={save.busy}
            aria-label={`Use the default retention for ${tenant.name}`}
            onClick={() => submit(null)}
          >
            Use default
          </button>
        )}
      </form>
      <p id={`${id}-retention-hint`} class="hint">
        How long ended messages are kept: a whole number and d, h, m or s, from 1s to 3650d. Empty: the service default.
      </p>
      {save.error && <ErrorNotice error={save.error} />}
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
    </div>
  );
}

export function Tenants() {
  const tenants = useLoad(() => api.listTenants(), []);
  const [name, setName] = useState('');
  const [shown, setShown] = useState<ShownKey | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Tenant | null>(null);
  const [deleted, setDeleted] = useState('');
  const create = useAction(async (tenantName: string) => {
    const created = await api.createTenant(tenantName);
    setName('');
    setDeleted('');
    setShown({ tenantName: created.name, apiKey: created.apiKey });
    await tenants.reload();
  });
  const remove = useAction(async (tenant: Tenant) => {
    setDeleted('');
    await api.deleteTenant(tenant.id);
    if (open === tenant.id) setOpen(null);
    setDeleted(`${tenant.name} was deleted: its API keys no longer work and its data is being removed.`);
    await tenants.reload();
  });
  return (
    <main>
      <ScreenHeading>Tenants</ScreenHeading>
      {shown && <NewKey shown={shown} onDone={() => setShown(null)} />}
      <form
        class="card inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void create.run(name.trim());
        }}
      >
        <div class="field">
          <label for="tenant-name">Tenant name</label>
          <input id="tenant-name" value={name} maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={create.busy || shown !== null}>
          {create.busy ? 'Creating…' : 'Create tenant'}
        </button>
      </form>
      {create.error && <ErrorNotice error={create.error} />}
      {remove.error && <ErrorNotice error={remove.error} />}
      {deleted && (
        <p class="notice ok" role="status">
          {deleted}
        </p>
      )}
      <Show loaded={tenants} what="tenants">
        {(list) =>
          list.length === 0 ? (
            <p class="muted">No tenant yet: create the first one above.</p>
          ) : (
            <ul class="tenant-list">
              {list.map((tenant) => (
                <li key={tenant.id} class="card">
                  <div class="row">
                    <div>
                      <h2 class="tenant-name">{tenant.name}</h2>
                      <p class="muted">
                        <code>{tenant.id}</code> · created <Time value={tenant.createdAt} />
                      </p>
                    </div>
                    <div class="tenant-actions">
                      <button
                        type="button"
                        class="secondary"
                        aria-expanded={open === tenant.id}
                        aria-label={`API keys of ${tenant.name}`}
                        onClick={() => setOpen(open === tenant.id ? null : tenant.id)}
                      >
                        API keys
                      </button>
                      <button
                        type="button"
                        class="danger"
                        disabled={remove.busy}
                        aria-label={`Delete tenant ${tenant.name}`}
                        onClick={() => setDeleting(tenant)}
                      >
                        Delete tenant
                      </button>
                    </div>
                  </div>
                  <Retention tenant={tenant} onSaved={tenants.reload} />
                  {open === tenant.id && <TenantKeys tenant={tenant} onKey={setShown} keyShown={shown !== null} />}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
      {deleting && (
        <ConfirmDialog
          title="Delete this tenant?"
          confirm="Delete tenant"
          danger
          onConfirm={() => void remove.run(deleting)}
          onClose={() => setDeleting(null)}
        >
          <p>
            “{deleting.name}” is offboarded: its API keys stop working at once, its channels stop receiving and sending,
            and its agents, channels, chats and messages are removed. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </main>
  );
}
