/** Content catalog: drag-and-drop or file-picker uploads with progress, and the item list. */
import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/dialog.js';
import { describedBy, ErrorBanner, Field } from '../components/field.js';
import { api, contentUrl } from '../lib/api.js';
import { formatBytes, formatTime } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { type ContentItem, itemsOf } from '../lib/types.js';
import { uploadContent } from '../lib/upload.js';
import { useResource } from '../lib/use-resource.js';
import { useCanWrite } from '../lib/user.js';

/** Display names of the catalog's kinds. */
export const KIND_LABEL: Record<string, string> = {
  app: 'App',
  package: 'Package',
  book: 'Book',
  other: 'Other',
};

/** One upload in progress (or finished with an error). */
interface Upload {
  name: string;
  progress: number;
  error?: string;
}

/** Content page. */
export function ContentPage() {
  const list = useResource(
    async () =>
      itemsOf(await api<ContentItem[] | { items: ContentItem[] }>('GET', '/api/v1/content')),
    [],
  );
  const canWrite = useCanWrite();
  const [folder, setFolder] = useState('');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [deleting, setDeleting] = useState<ContentItem | null>(null);
  const [error, setError] = useState<Error | null>(null);

  const update = (name: string, patch: Partial<Upload>) =>
    setUploads((all) => all.map((u) => (u.name === name ? { ...u, ...patch } : u)));

  const send = async (files: FileList | File[]) => {
    const prefix = folder.trim().replace(/^\/+|\/+$/g, '');
    for (const file of [...files]) {
      const path = prefix ? `${prefix}/${file.name}` : file.name;
      setUploads((all) => [...all.filter((u) => u.name !== path), { name: path, progress: 0 }]);
      try {
        await uploadContent(path, file, (p) => update(path, { progress: p }));
        setUploads((all) => all.filter((u) => u.name !== path));
      } catch (err) {
        const e = err as Error & { code?: string };
        update(path, { error: e.code ? `${e.message} (${e.code})` : e.message });
      }
      await list.reload();
    }
  };
  const remove = async (item: ContentItem) => {
    setDeleting(null);
    try {
      await api('DELETE', contentUrl(item.path));
    } catch (err) {
      setError(err as Error);
    }
    await list.reload();
  };

  const items = list.data ?? [];
  return (
    <section>
      <header class="page-head">
        <h1>Content</h1>
      </header>
      {canWrite && (
        <section
          aria-label="Upload content"
          class={dragging ? 'dropzone dragging' : 'dropzone'}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            if (e.dataTransfer?.files.length) void send(e.dataTransfer.files);
          }}
        >
          <p>Drop .ipa, .pkg, .epub or .pdf files here, or choose them:</p>
          <div class="upload-row">
            <Field id="upload-folder" label="Folder (optional)" hint="e.g. apps/ios">
              <input
                id="upload-folder"
                value={folder}
                onInput={(e) => setFolder(e.currentTarget.value)}
                {...describedBy('upload-folder', undefined, true)}
              />
            </Field>
            <Field id="upload-file" label="Files">
              <input
                id="upload-file"
                type="file"
                multiple
                onChange={(e) => {
                  const input = e.currentTarget;
                  if (input.files?.length)
                    void send([...input.files]).then(() => (input.value = ''));
                }}
              />
            </Field>
          </div>
          {uploads.map((u) => (
            <div class="upload" key={u.name}>
              <label for={`progress-${u.name}`} class="mono">
                {u.name}
              </label>
              <progress id={`progress-${u.name}`} max={1} value={u.progress} />
              <span>{Math.round(u.progress * 100)}%</span>
              {u.error && (
                <span class="field-error" role="alert">
                  {u.error}
                </span>
              )}
            </div>
          ))}
        </section>
      )}
      <ErrorBanner error={list.error ?? error} />
      {items.length === 0 && !list.loading ? (
        <p class="empty">No content yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Kind</th>
                <th scope="col">Title</th>
                <th scope="col">Identifier</th>
                <th scope="col">Version</th>
                <th scope="col">Size</th>
                <th scope="col">Updated</th>
                {canWrite && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.path}>
                  <td>
                    <Link
                      href={`/content/${item.path.split('/').map(encodeURIComponent).join('/')}`}
                    >
                      {item.path}
                    </Link>
                    {(item.warnings?.length ?? 0) > 0 && (
                      <span class="pill warn">⚠ {item.warnings!.length}</span>
                    )}
                  </td>
                  <td>{KIND_LABEL[item.kind] ?? item.kind}</td>
                  <td>{item.title ?? '—'}</td>
                  <td class="mono">{item.bundleId ?? '—'}</td>
                  <td>{item.version !== undefined ? String(item.version) : '—'}</td>
                  <td>{formatBytes(item.size)}</td>
                  <td>{formatTime(item.updatedAt)}</td>
                  {canWrite && (
                    <td>
                      <button
                        type="button"
                        class="button small danger"
                        onClick={() => setDeleting(item)}
                      >
                        Delete<span class="sr-only"> {item.path}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete content?"
          message={
            <p>
              Delete <strong>{deleting.path}</strong> from the distribution point? Devices will no
              longer be able to download it.
            </p>
          }
          confirmLabel="Delete"
          danger
          onConfirm={() => remove(deleting)}
          onClose={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
