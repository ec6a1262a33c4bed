/**
 * The Register card's rule against accidental versions: once a model is
 * registered, the same choice (name, source, description) cannot be sent
 * again; changing any of them makes a deliberate new version possible.
 */

export interface IRegistration {
  name: string;
  source: string;
  description: string;
}

/** What identifies one registration request (trimmed, as it is sent). */
export function registrationKey(choice: IRegistration): string {
  return JSON.stringify([choice.name.trim(), choice.source.trim(), choice.description.trim()]);
}

/** Whether `choice` is exactly what was registered last (its button then says so and is disabled). */
export function alreadyRegistered(choice: IRegistration, last: string | null): boolean {
  return last !== null && registrationKey(choice) === last;
}
