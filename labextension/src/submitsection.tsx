/**
 * The sidebar's Submit section: the cell a submit would run (following the
 * active cell), with Submit and Preview.
 */
import * as React from 'react';

import { Empty, useSignal } from './components';
import { AmlxServices, CommandIDs } from './services';
import { trans } from './i18n';
import { cellNumber } from './submitform';

/** The sidebar block: which cell a submit would run, and the button. */
export function SubmitSection(props: { services: AmlxServices }): JSX.Element {
  const tracker = props.services.activeCell;
  useSignal(tracker?.changed ?? null);
  const cell = tracker?.current ?? null;
  if (!cell) {
    return (
      <Empty>
        {trans.__(
          'Open a notebook and select the cell that trains your model; it becomes a tracked job with the code it needs.'
        )}

      </Empty>
    );
  }
  const isCode = cell.cellType === 'code';
  return (
    <div className="amlx-Submit">
      <div className="amlx-Submit-target" title={cell.path}>
        <span className="amlx-Submit-notebook">{cell.path.split('/').pop()}</span>
        <span className="amlx-Submit-cell">{trans.__('cell %1', cellNumber(cell.index))}</span>
        {cell.tags.map(tag => (
          <span key={tag} className="amlx-Tag">
            {tag}
          </span>
        ))}
      </div>
      {cell.summary && <code className="amlx-Submit-summary">{cell.summary}</code>}
      <div className="amlx-Submit-actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept amlx-Submit-button"
          disabled={!isCode}
          onClick={() => props.services.execute(CommandIDs.submitCell)}
          title={trans.__('Submit cell (Ctrl/Cmd+Shift+Enter)')}
        >
          {trans.__('Submit cell…')}
        </button>
        <button
          className="jp-Button jp-mod-styled"
          disabled={!isCode}
          onClick={() => props.services.execute(CommandIDs.previewCell)}
        >
          {trans.__('Preview')}
        </button>
      </div>
      {!isCode && <div className="amlx-Hint">{trans.__('Select a code cell to submit it.')}</div>}
      <div className="amlx-Hint">{trans.__('Shortcut: Ctrl/Cmd + Shift + Enter in a notebook.')}</div>

    </div>
  );
}
