/**
 * Saving a file fetched through `ServerConnection` (so Jupyter's auth
 * applies) as a browser download, and a job's whole log as a file.
 */
import { AmlxClient } from './api';
import { baseName } from './format';

/** The largest log chunk the server gives in one answer. */
export const LOG_CHUNK_BYTES = 1_048_576;

export async function downloadFile(client: AmlxClient, apiPath: string, fileName: string): Promise<void> {
  saveBlob(await client.download(apiPath), fileName);
}

/** Offer `blob` as a download named `fileName`. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = baseName(fileName);
    link.style.display = 'none';
    document.body.appendChild(link);
    link.click();
    link.remove();
  } finally {
    // the click has started the download; the URL may go once the event loop turns
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/**
 * A job's log from its first byte to what is written now (the Logs tab keeps
 * only the tail of a long one), read in the server's largest chunks.
 */
export async function readWholeLog(client: AmlxClient, job: string): Promise<string> {
  const parts: string[] = [];
  let offset: string | null = null;
  for (;;) {
    const chunk = await client.logs(job, offset, 0, undefined, LOG_CHUNK_BYTES);
    parts.push(chunk.text);
    if (chunk.complete || !chunk.text || chunk.next_offset === offset) {
      return parts.join('');
    }
    offset = chunk.next_offset;
  }
}
