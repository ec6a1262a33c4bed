/**
 * Follows the notebook and cell the person is working on. The cell is named
 * by its id, so editing cells above it does not change which cell a job runs.
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

export interface IActiveCell {
  panel: NotebookPanel;
  /** Notebook path relative to the server root (what the REST API wants). */
  path: string;
  cellId: string;
  /** 0-based position, for display. */
  index: number;
  cellType: string;
  tags: string[];
  /** First line of the cell, for display. */
  summary: string;
}

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

  private _update(): void {
    const panel = this.tracker.currentWidget;
    const cell = panel?.content.activeCell ?? null;
    let next: IActiveCell | null = null;
    if (panel && !panel.isDisposed && cell) {
      const model = cell.model;
      const tags = model.getMetadata('tags');
      const source = model.sharedModel.getSource();
      next = {
        panel,
        path: panel.context.path,
        cellId: model.id,
        index: panel.content.activeCellIndex,
        cellType: model.type,
        tags: Array.isArray(tags) ? tags.map(String) : [],
        summary: source.split('\n').find(line => line.trim()) ?? ''
      };
    }
    const before = this._current;
    if (
      before?.panel === next?.panel &&
      before?.cellId === next?.cellId &&
      before?.index === next?.index &&
      before?.path === next?.path
    ) {
      return;
    }
    this._current = next;
    this._changed.emit(next);
  }

  private _panel: NotebookPanel | null = null;
  private _current: IActiveCell | null = null;
  private _changed = new Signal<this, IActiveCell | null>(this);
}
