/**
 * The submit form's Preview tab: what submitting would run (main.py,
 * requirements, inputs, the cells taken and the command), without running it.
 */
import * as React from 'react';

import { IJobPackage } from './apitypes';
import { Empty, Loading, withElements, PLACEHOLDERS } from './components';
import { formatBytes } from './format';
import { Warnings } from './submitfields';
import { trans } from './i18n';

export function PreviewView(props: { pkg: IJobPackage | null; updating: boolean; failed: boolean }): JSX.Element {
  const { pkg } = props;
  if (!pkg) {
    return props.failed ? (
      <Empty>{trans.__('Nothing to preview: the message above says what to change in the notebook.')}</Empty>
    ) : (
      <Loading text={trans.__('Slicing the notebook…')} />
    );
  }
  return (
    <div className="amlx-Preview">
      {props.updating && <Loading text={trans.__('Updating the preview…')} />}
      <Warnings warnings={pkg.warnings} />
      <h3>{'main.py'}</h3>
      <pre className="amlx-Code amlx-Preview-script" aria-label={trans.__('Generated main.py')}>
        {pkg.script}
      </pre>
      <div className="amlx-Preview-grid">
        <div>
          <h3>{trans.__('Requirements')}</h3>
          {pkg.requirements.length ? (
            <ul className="amlx-Preview-requirements">
              {pkg.requirements.map(req => (
                <li key={req}>
                  <code>{req}</code>
                </li>
              ))}
            </ul>
          ) : (
            <Empty>{trans.__('None detected.')}</Empty>
          )}
        </div>
        <div>
          <h3>{trans.__('Inputs')}</h3>
          {pkg.inputs.length ? (
            <ul className="amlx-Preview-inputs">
              {pkg.inputs.map(input => (
                <li key={input.path}>
                  {withElements(
                    input.mode === 'copied'
                      ? trans.__('%1 (%2, copied)', ...PLACEHOLDERS)
                      : trans.__('%1 (%2, job input)', ...PLACEHOLDERS),
                    <code>{input.path}</code>,
                    formatBytes(input.size_bytes)
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <Empty>{trans.__('No files.')}</Empty>
          )}
        </div>
      </div>
      <h3>{trans.__('Cells in the job')}</h3>
      <ul className="amlx-Preview-cells">
        {pkg.cells.map(cell => (
          <li key={cell.index}>{trans.__('cell %1: %2', cell.index, cell.reason)}</li>
        ))}
      </ul>
      <h3>{trans.__('Command')}</h3>

      <pre className="amlx-Code">{pkg.command.join(' ')}</pre>
    </div>
  );
}
