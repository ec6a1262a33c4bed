/**
 * The submit form's Preview tab: what submitting would run, without running
 * it, in the words a person checks it by: the cells the job takes and why
 * each one is needed, the parameters, the requirements and the data files.
 * The generated main.py is behind a toggle (most of it is set-up).
 */
import * as React from 'react';

import { IJobPackage, IPackageCell } from './apitypes';
import { Empty, Loading, withElements, PLACEHOLDERS } from './components';
import { formatBytes } from './format';
import { cellNumber, packageSummary, parameterText } from './submitform';
import { Warnings } from './submitfields';
import { trans } from './i18n';

/** A sentence with `names` in backticks, the names drawn as code. */
function WithCode(props: { text: string }): JSX.Element {
  const parts = props.text.split('`');
  return <>{parts.map((part, i) => (i % 2 ? <code key={i}>{part}</code> : <React.Fragment key={i}>{part}</React.Fragment>))}</>;
}

function PreviewCell(props: { cell: IPackageCell; source: string | null; target: boolean }): JSX.Element {
  const { cell, source } = props;
  return (
    <li className="amlx-PreviewCell" data-cell-index={cell.index} data-target={props.target}>
      <div className="amlx-PreviewCell-head">
        <strong>{trans.__('Cell %1', cellNumber(cell.index))}</strong>
        {props.target && <span className="amlx-Tag">{trans.__('the cell you submit')}</span>}
        {cell.execution_count !== null && <span className="amlx-Hint">{`In [${cell.execution_count}]`}</span>}
      </div>
      <p className="amlx-PreviewCell-why">
        <WithCode text={cell.explanation || cell.reason} />
      </p>
      {source !== null && (
        <pre className="amlx-Code amlx-PreviewCell-source" aria-label={trans.__('Code of cell %1', cellNumber(cell.index))}>
          {source}
        </pre>
      )}
    </li>
  );
}

export function PreviewView(props: {
  pkg: IJobPackage | null;
  updating: boolean;
  failed: boolean;
  /** The code of a notebook cell as the notebook shows it (null when the notebook is not open). */
  cellSource: (cell: IPackageCell) => string | null;
}): JSX.Element {
  const { pkg } = props;
  const [showScript, setShowScript] = React.useState(false);
  if (!pkg) {
    return props.failed ? (
      <Empty>{trans.__('Nothing to preview: the message above says what to change in the notebook.')}</Empty>
    ) : (
      <Loading text={trans.__('Slicing the notebook…')} />
    );
  }
  const parameters = Object.values(pkg.parameters);
  return (
    <div className="amlx-Preview">
      {props.updating && <Loading text={trans.__('Updating the preview…')} />}
      <p className="amlx-Preview-summary">{trans.__('The job runs %1.', packageSummary(pkg))}</p>
      <Warnings warnings={pkg.warnings} />
      <h3>{trans.__('Cells in the job')}</h3>
      <ol className="amlx-Preview-cells">
        {pkg.cells.map(cell => (
          <PreviewCell
            key={cell.index}
            cell={cell}
            source={props.cellSource(cell)}
            target={cell.index === pkg.target_cell.index}
          />
        ))}
      </ol>
      <h3>{trans.__('Parameters')}</h3>
      {parameters.length ? (
        <table className="amlx-Table amlx-Preview-parameters" aria-label={trans.__('Parameters')}>
          <thead>
            <tr>
              <th>{trans.__('Name')}</th>
              <th>{trans.__('Value')}</th>
              <th>{trans.__('Type')}</th>
              <th>{trans.__('Option')}</th>
            </tr>
          </thead>
          <tbody>
            {parameters.map(param => (
              <tr key={param.name} data-param={param.name}>
                <th scope="row">{param.name}</th>
                <td>
                  <code>{parameterText(param)}</code>
                </td>
                <td>{param.type}</td>
                <td>
                  <code>{param.flag}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>{trans.__('None: the cells assign no plain values a job could take as options.')}</Empty>
      )}
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
          <h3>{trans.__('Data files')}</h3>
          {pkg.inputs.length ? (
            <ul className="amlx-Preview-inputs">
              {pkg.inputs.map(input => (
                <li key={input.path}>
                  {withElements(
                    input.mode === 'copied'
                      ? trans.__('%1 (%2, copied with the code)', ...PLACEHOLDERS)
                      : trans.__('%1 (%2, a job input)', ...PLACEHOLDERS),
                    <code>{input.path}</code>,
                    formatBytes(input.size_bytes)
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <Empty>{trans.__('The cells read no files.')}</Empty>
          )}
        </div>
      </div>
      <h3>{trans.__('Command')}</h3>
      <pre className="amlx-Code amlx-Preview-command">{pkg.command.join(' ')}</pre>
      <button
        className="amlx-Link amlx-Preview-scriptToggle"
        aria-expanded={showScript}
        onClick={() => setShowScript(!showScript)}
      >
        {showScript ? trans.__('Hide the generated main.py') : trans.__('Show the generated main.py')}
      </button>
      {showScript && (
        <pre className="amlx-Code amlx-Preview-script" aria-label={trans.__('Generated main.py')}>
          {pkg.script}
        </pre>
      )}
    </div>
  );
}
