/**
 * The parts of the submit form that come from the package preview: the
 * notebook's parameters as typed fields, the files the cell reads (each a
 * job input that a data asset can replace), and the slicer's warnings.
 */
import * as React from 'react';

import { IJobPackage, IPackageInput } from './apitypes';
import { Empty, Loading, withElements, PLACEHOLDERS } from './components';
import { formatBytes } from './format';
import { IFormState, cellNumber } from './submitform';
import { trans } from './i18n';

export function InputsList(props: {
  inputs: IPackageInput[];
  form: IFormState;
  assets: string[];
  onChange: (path: string, ref: string) => void;
}): JSX.Element {
  // one list of asset names for every row; ids unique per form
  const refsId = React.useId();
  if (!props.inputs.length) {
    return <Empty>{trans.__('The cell reads no files.')}</Empty>;
  }
  return (
    <>
      <datalist id={refsId}>
        {props.assets.map(ref => (
          <option key={ref} value={ref} />
        ))}
      </datalist>
      <table className="amlx-Table amlx-Inputs">
        <thead>
          <tr>
            <th>{trans.__('Path')}</th>
            <th>{trans.__('Size')}</th>
            <th>{trans.__('Goes in as')}</th>
          </tr>
        </thead>
        <tbody>
          {props.inputs.map(input => (
            <tr key={input.path} data-input={input.path}>
              <td>
                <code>{input.path}</code>
              </td>
              <td>{formatBytes(input.size_bytes)}</td>
              <td>
                {input.mode === 'job_input' ? (
                  <input
                    className="amlx-Input"
                    list={refsId}
                    aria-label={trans.__('Data asset or file for %1', input.path)}
                    placeholder={trans.__('the detected file')}
                    value={props.form.inputs[input.path] ?? ''}
                    onChange={event => props.onChange(input.path, event.currentTarget.value)}
                  />
                ) : (
                  trans.__('copied with the code')
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function ParametersForm(props: {
  pkg: IJobPackage | null;
  failed: boolean;
  form: IFormState;
  errors: Record<string, string>;
  onChange: (name: string, text: string) => void;
}): JSX.Element {
  const formId = React.useId();
  if (!props.pkg) {
    return props.failed ? (
      <Empty>{trans.__('The parameters show once the cell can be packaged (see the message above).')}</Empty>
    ) : (
      <Loading text={trans.__("Reading the notebook's parameters…")} />
    );
  }
  const params = Object.values(props.pkg.parameters);
  if (!params.length) {
    return (
      <Empty>
        {withElements(
          trans.__(
            'No parameters: plain assignments of literals (e.g. %1) in the cells the job needs, or in a cell tagged %2, become parameters.',
            ...PLACEHOLDERS
          ),
          <code>{'alpha = 0.5'}</code>,
          <code>{'parameters'}</code>

        )}
      </Empty>
    );
  }
  return (
    <div className="amlx-Params">
      {params.map(param => {
        const error = props.errors[param.name];
        const id = `${formId}param-${param.name}`;
        return (
          <div key={param.name} className="amlx-Field amlx-Param" data-param={param.name}>
            <label htmlFor={id}>
              <code>{param.name}</code> <span className="amlx-Hint">{param.type}</span>
            </label>
            <input
              id={id}
              className={`amlx-Input ${error ? 'amlx-mod-invalid' : ''}`}
              aria-invalid={!!error}
              aria-describedby={error ? `${id}-error` : undefined}
              value={props.form.parameters[param.name] ?? ''}
              onChange={event => props.onChange(param.name, event.currentTarget.value)}
            />
            {error ? (
              <div id={`${id}-error`} className="amlx-FieldError">
                {error}
              </div>
            ) : (
              param.cell_index !== undefined && (
                <div className="amlx-Hint">
                  {param.line !== undefined
                    ? trans.__('cell %1, line %2', cellNumber(param.cell_index), param.line)
                    : trans.__('cell %1', cellNumber(param.cell_index))}
                </div>
              )
            )}
          </div>
        );
      })}
    </div>
  );
}

export function Warnings(props: { warnings: string[] }): JSX.Element | null {
  if (!props.warnings.length) {
    return null;
  }
  return (
    <ul className="amlx-Warnings" aria-label={trans.__('Warnings')}>

      {props.warnings.map(warning => (
        <li key={warning} className="amlx-Warning">
          {warning}
        </li>
      ))}
    </ul>
  );
}
