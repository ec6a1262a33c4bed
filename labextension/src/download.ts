/**
 * Saving a file fetched through `ServerConnection` (so Jupyter's auth
 * applies) as a browser download.
 */
import { AmlxClient } from './api';
import { baseName } from './format';

export async function downloadFile(client: AmlxClient, apiPath: string, fileName: string): Promise<void> {
  const blob = await client.download(apiPath);
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
