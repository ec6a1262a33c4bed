/**
 * Default names the forms propose (the person can edit each): a model named
 * after its experiment, an endpoint after its model, and how an output file
 * is named as a model source.
 */

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/** "titanic" -> "titanic-model". */
export function modelNameFor(experiment: string): string {
  const base = slug(experiment) || 'model';
  return base.endsWith('-model') ? base : `${base}-model`;
}

/** "titanic-model" -> "titanic-endpoint"; endpoint names start with a letter and stay within 32 characters. */
export function endpointNameFor(model: string): string {
  let base = slug(model).replace(/-model$/, '') || 'model';
  if (!/^[a-z]/.test(base)) {
    base = `m-${base}`;
  }
  return `${base.slice(0, 23).replace(/-$/, '')}-endpoint`;
}

/** A path under a run's outputs as the models API names it ("model.pkl" -> "outputs/model.pkl"). */
export function outputsSource(path: string): string {
  const clean = path.replace(/^\/+/, '');
  return clean.startsWith('outputs/') || clean.startsWith('mlflow:') ? clean : `outputs/${clean}`;
}

/**
 * A DOM id for a main-area panel: distinct names give distinct ids ("run.1" and
 * "run-1" must not open each other's panel). Every character outside
 * [A-Za-z0-9] becomes `_<hex>_`, so the `-` between parts is unambiguous.
 */
export function panelId(kind: string, ...parts: string[]): string {
  const escaped = parts.map(part =>
    Array.from(part)
      .map(ch => (/[A-Za-z0-9]/.test(ch) ? ch : `_${ch.codePointAt(0)!.toString(16)}_`))
      .join('')
  );
  return ['amlx', kind, ...escaped].join('-');
}
