/** Small builders shared by the specs. */
import { IJob } from '../apitypes';

let counter = 0;

export function job(overrides: Partial<IJob> = {}): IJob {
  counter++;
  return {
    name: `job_${counter}`,
    display_name: `run ${counter}`,
    experiment: 'exp',
    status: 'Completed',
    compute: 'local',
    created_at: 1_000 + counter,
    started_at: 1_000 + counter,
    ended_at: 1_010 + counter,
    type: 'command',
    parent: null,
    updated_at: 1_010 + counter,
    command: ['python', 'main.py'],
    environment: null,
    parameters: {},
    inputs: [],
    tags: {},
    metrics: {},
    params: {},
    exit_code: null,
    error: null,
    mlflow_run_id: null,
    mlflow_experiment_id: null,
    studio_url: null,
    description: null,
    archived: false,
    ...overrides
  };
}
