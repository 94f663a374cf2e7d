/**
 * Upload area of the content page: drag-and-drop or the file picker, an optional folder, and a
 * progress bar per file (XMLHttpRequest reports upload progress).
 */
import { useState } from 'preact/hooks';
import { uploadContent } from '../lib/upload.js';
import { describedBy, Field } from './field.js';

/** One upload in progress (or finished with an error). */
interface Upload {
  name: string;
  progress: number;
  error?: string;
}

/** Drop zone + file picker; calls `onUploaded` after each file so the list refreshes. */
export function UploadPanel({ onUploaded }: { onUploaded: () => Promise<void> }) {
  const [folder, setFolder] = useState('');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);

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
      await onUploaded();
    }
  };

  return (
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
              if (input.files?.length) void send([...input.files]).then(() => (input.value = ''));
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
  );
}
