/**
 * Follows the notebook and cell the person is working on. The cell is named
 * by its id, so editing cells above it does not change which cell a job runs.
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

/** The model of a notebook cell (named through the notebook, which this package depends on). */
type ICellModel = NonNullable<NotebookPanel['content']['activeCell']>['model'];

export interface IActiveCell {
  panel: NotebookPanel;
  /** Notebook path relative to the server root (what the REST API wants). */
  path: string;
  cellId: string;
  /** 0-based position (the UI shows it from 1, as JupyterLab users count cells). */
  index: number;
  cellType: string;
  tags: string[];
  /** First line of the cell, for display. */
  summary: string;
}

/** How long typing in the cell waits before the summary is read again. */
const EDIT_DEBOUNCE_MS = 300;

export class ActiveCellTracker {
  constructor(private readonly tracker: INotebookTracker) {
    tracker.currentChanged.connect(this._onCurrentChanged, this);
    tracker.activeCellChanged.connect(this._update, this);
    this._onCurrentChanged();
  }

  get changed(): ISignal<this, IActiveCell | null> {
    return this._changed;
  }

  get current(): IActiveCell | null {
    return this._current;
  }

  dispose(): void {
    this.tracker.currentChanged.disconnect(this._onCurrentChanged, this);
    this.tracker.activeCellChanged.disconnect(this._update, this);
    this._watchPanel(null);
    this._watchCell(null);
    window.clearTimeout(this._debounce);
    Signal.clearData(this);
  }

  /** Re-read the active cell (e.g. after tags changed). */
  refresh(): void {
    this._update();
  }

  private _onCurrentChanged(): void {
    this._watchPanel(this.tracker.currentWidget);
    this._update();
  }

  private _watchPanel(panel: NotebookPanel | null): void {
    if (this._panel === panel) {
      return;
    }
    if (this._panel) {
      this._panel.context.pathChanged.disconnect(this._update, this);
      this._panel.disposed.disconnect(this._onCurrentChanged, this);
    }
    this._panel = panel;
    if (panel) {
      panel.context.pathChanged.connect(this._update, this);
      panel.disposed.connect(this._onCurrentChanged, this);
    }
  }

  /** Follow edits of the active cell (summary, tags) so the sidebar never shows a stale one. */
  private _watchCell(model: ICellModel | null): void {
    if (this._cellModel === model) {
      return;
    }
    if (this._cellModel) {
      this._cellModel.contentChanged.disconnect(this._onCellEdited, this);
      this._cellModel.metadataChanged.disconnect(this._onCellEdited, this);
    }
    window.clearTimeout(this._debounce);
    this._cellModel = model;
    if (model) {
      model.contentChanged.connect(this._onCellEdited, this);
      model.metadataChanged.connect(this._onCellEdited, this);
    }
  }

  /** Every keystroke lands here: read the cell again once typing pauses. */
  private _onCellEdited(): void {
    window.clearTimeout(this._debounce);
    this._debounce = window.setTimeout(() => this._update(), EDIT_DEBOUNCE_MS);
  }

  private _update(): void {
    const panel = this.tracker.currentWidget;
    const cell = panel?.content.activeCell ?? null;
    let next: IActiveCell | null = null;
    let watched: ICellModel | null = null;
    if (panel && !panel.isDisposed && cell && !cell.isDisposed) {
      const model = cell.model;
      watched = model;
      const tags = model.getMetadata('tags');
      const source = model.sharedModel.getSource();
      next = {
        panel,
        // under real-time collaboration `path` is 'RTC:…'; the REST API wants the server path
        path: panel.context.localPath,
        cellId: model.id,
        index: panel.content.activeCellIndex,
        cellType: model.type,
        tags: Array.isArray(tags) ? tags.map(String) : [],
        summary: source.split('\n').find(line => line.trim()) ?? ''
      };
    }
    this._watchCell(watched);
    if (sameCell(this._current, next)) {
      return;
    }
    this._current = next;
    this._changed.emit(next);
  }

  private _panel: NotebookPanel | null = null;
  private _cellModel: ICellModel | null = null;
  private _debounce = 0;
  private _current: IActiveCell | null = null;
  private _changed = new Signal<this, IActiveCell | null>(this);
}

/** Whether two readings show the same thing (no need to tell the views). */
function sameCell(a: IActiveCell | null, b: IActiveCell | null): boolean {
  if (!a || !b) {
    return a === b;
  }
  return (
    a.panel === b.panel &&
    a.cellId === b.cellId &&
    a.index === b.index &&
    a.path === b.path &&
    a.cellType === b.cellType &&
    a.summary === b.summary &&
    a.tags.join('\n') === b.tags.join('\n')
  );
}
