/** Registering a model from a run: the same choice twice would make a version nobody asked for. */
import { alreadyRegistered, registrationKey } from '../registerform';

describe('the Register button after a registration', () => {
  const choice = { name: 'titanic-model', source: 'outputs/model.pkl', description: '' };

  it('is off for the choice just registered, on again for a different one', () => {
    const last = registrationKey(choice);
    expect(alreadyRegistered(choice, null)).toBe(false);
    expect(alreadyRegistered(choice, last)).toBe(true);
    expect(alreadyRegistered({ ...choice, name: ' titanic-model ' }, last)).toBe(true);
    expect(alreadyRegistered({ ...choice, name: 'titanic-model-2' }, last)).toBe(false);
    expect(alreadyRegistered({ ...choice, source: 'mlflow:model' }, last)).toBe(false);
    expect(alreadyRegistered({ ...choice, description: 'retrained' }, last)).toBe(false);
  });
});
