/**
 * Saving a notebook before its cell is packaged: the slicer reads the file,
 * so unsaved edits would not be in the job.
 */
import { NotebookPanel } from '@jupyterlab/notebook';

/** The last save each notebook was asked for: saves run one after another, never overlapping. */
const pendingSaves = new WeakMap<NotebookPanel, Promise<boolean>>();

/**
 * Saves the notebook when it has unsaved changes (the slicer reads the file);
 * says whether it did. Two saves in flight at once would make JupyterLab see
 * its own first write as a change on disk and ask to overwrite or revert.
 */
export function saveIfDirty(panel: NotebookPanel | null): Promise<boolean> {
  if (!panel || panel.isDisposed) {
    return Promise.resolve(false);
  }
  const previous = pendingSaves.get(panel) ?? Promise.resolve(false);
  const next = previous
    .catch(() => false)
    .then(async () => {
      if (panel.isDisposed || !panel.context.model.dirty) {
        return false;
      }
      await panel.context.save();
      return true;
    });
  pendingSaves.set(panel, next);
  return next;
}
