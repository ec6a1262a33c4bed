/**
 * The submit form's Form tab: experiment, display name and compute, the
 * options, the notebook's parameters as typed fields, the files the cell
 * reads (each a job input a data asset can replace), and the slicer's
 * warnings.
 */
import * as React from 'react';

import { IJobPackage } from './apitypes';
import { Empty, Loading } from './components';
import { InputsList, ParametersForm, Warnings } from './submitfields';
import { IFormState, withExperiment } from './submitform';
import { trans } from './i18n';

export function FormTab(props: {
  idPrefix: string;
  form: IFormState;
  onChange: (form: IFormState) => void;
  pkg: IJobPackage | null;
  /** The cell cannot be packaged (the error is shown above the tabs). */
  failed: boolean;
  errors: Record<string, string>;
  experiments: string[];
  computes: string[];
  assets: string[];
}): JSX.Element {
  const { idPrefix, form, onChange, pkg, experiments, computes, assets } = props;
  return (
    <>
      <div className="amlx-FormGrid">
        <div className="amlx-Field">
          <label htmlFor={`${idPrefix}-experiment`}>{trans.__('Experiment')}</label>
          <input
            id={`${idPrefix}-experiment`}
            className="amlx-Input"
            list={`${idPrefix}-experiments`}
            value={form.experiment}
            placeholder={pkg?.experiment || form.defaultExperiment}
            aria-describedby={`${idPrefix}-experiment-hint`}
            onChange={event => onChange(withExperiment(form, event.currentTarget.value))}
          />
          <span id={`${idPrefix}-experiment-hint`} className="amlx-Hint amlx-Experiment-hint">
            {form.experimentTyped
              ? trans.__('Your choice: it replaces any experiment the code names.')
              : pkg?.experiment
                ? trans.__('Named by the code (mlflow.set_experiment).')
                : trans.__("The notebook's name, unless the code names one.")}
          </span>
          <datalist id={`${idPrefix}-experiments`}>
            {experiments.map(name => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </div>
        <div className="amlx-Field">
          <label htmlFor={`${idPrefix}-display`}>{trans.__('Display name')}</label>
          <input
            id={`${idPrefix}-display`}
            className="amlx-Input"
            placeholder={trans.__('automatic (notebook and cell)')}
            value={form.displayName}
            onChange={event => onChange({ ...form, displayName: event.currentTarget.value })}
          />
        </div>
        <div className="amlx-Field">
          <label htmlFor={`${idPrefix}-compute`}>{trans.__('Compute')}</label>
          <input
            id={`${idPrefix}-compute`}
            className="amlx-Input"
            list={`${idPrefix}-computes`}
            value={form.compute}
            onChange={event => onChange({ ...form, compute: event.currentTarget.value })}
          />
          <datalist id={`${idPrefix}-computes`}>
            {computes.map(name => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </div>
      </div>
      <fieldset className="amlx-Options">
        <legend className="amlx-FieldLabel">{trans.__('Options')}</legend>
        <label>
          <input
            type="checkbox"
            checked={form.includeAllAbove}
            onChange={event => onChange({ ...form, includeAllAbove: event.currentTarget.checked })}
          />{' '}
          {trans.__('Run every code cell above (not only the cells this one needs)')}
        </label>
        <label>
          <input
            type="checkbox"
            checked={form.autolog}
            onChange={event => onChange({ ...form, autolog: event.currentTarget.checked })}
          />{' '}
          {trans.__('MLflow autologging (parameters, metrics and the model of scikit-learn estimators)')}
        </label>
      </fieldset>
      <h3>{trans.__('Parameters')}</h3>
      <ParametersForm
        pkg={pkg}
        failed={props.failed}
        form={form}
        errors={props.errors}
        onChange={(name, text) => onChange({ ...form, parameters: { ...form.parameters, [name]: text } })}
      />
      <h3>{trans.__('Detected inputs')}</h3>
      {pkg ? (
        <InputsList
          inputs={pkg.inputs}
          form={form}
          assets={assets}
          onChange={(path, ref) => onChange({ ...form, inputs: { ...form.inputs, [path]: ref } })}
        />
      ) : props.failed ? (
        <Empty>{trans.__('Not known until the cell can be packaged.')}</Empty>

      ) : (
        <Loading />
      )}
      {pkg && <Warnings warnings={pkg.warnings} />}
    </>
  );
}
