/** Content catalog: drag-and-drop or file-picker uploads with progress, and the item list. */
import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorBanner } from '../components/field.js';
import { orEmpty, RowDelete, TableHead } from '../components/table.js';
import { UploadPanel } from '../components/upload-panel.js';
import { api, contentUrl } from '../lib/api.js';
import { formatBytes, formatTime } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { type ContentItem, itemsOf } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { useCanWrite } from '../lib/user.js';

/** Display names of the catalog's kinds. */
export const KIND_LABEL: Record<string, string> = {
  app: 'App',
  package: 'Package',
  book: 'Book',
  other: 'Other',
};

/** Where an item installs: the platforms an app declares; a package is for macOS. */
export function platformsOf(item: ContentItem): string | undefined {
  if (item.platforms && item.platforms.length > 0) return item.platforms.join(', ');
  return item.kind === 'package' ? 'macOS' : undefined;
}

/** Content page. */
export function ContentPage() {
  const list = useResource(
    async () =>
      itemsOf(await api<ContentItem[] | { items: ContentItem[] }>('GET', '/api/v1/content')),
    [],
  );
  const canWrite = useCanWrite();
  const [deleting, setDeleting] = useState<ContentItem | null>(null);
  const [error, setError] = useState<Error | null>(null);

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
      {canWrite && <UploadPanel onUploaded={list.reload} />}
      <ErrorBanner error={list.error ?? error} />
      {items.length === 0 && !list.loading ? (
        <p class="empty">No content yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <TableHead
              columns={[
                'Path',
                'Kind',
                'Title',
                'Identifier',
                'Version',
                'Platforms',
                'Size',
                'Updated',
                canWrite && 'Actions',
              ]}
            />
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
                  <td>{orEmpty(item.title)}</td>
                  <td class="mono">{orEmpty(item.bundleId)}</td>
                  <td>{orEmpty(item.version === undefined ? undefined : String(item.version))}</td>
                  <td>{orEmpty(platformsOf(item))}</td>
                  <td>{formatBytes(item.size)}</td>
                  <td>{formatTime(item.updatedAt)}</td>
                  {canWrite && (
                    <td>
                      <RowDelete name={item.path} onClick={() => setDeleting(item)} />
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
