/**
 * The deploy form's VM size and count: sent only on a target with instance
 * types (Azure ML) and only when typed, so the target's settings decide
 * otherwise. The server checks the values and its sentence is shown.
 */

/** The VM size and count the person typed, on a target that has them; left out, the server's settings decide. */
export function deploymentSize(
  sized: boolean,
  instanceType: string,
  instanceCount: string
): { instance_type?: string; instance_count?: number } {
  if (!sized) {
    return {};
  }
  const size: { instance_type?: string; instance_count?: number } = {};
  if (instanceType.trim()) {
    size.instance_type = instanceType.trim();
  }
  if (instanceCount.trim()) {
    size.instance_count = Number(instanceCount.trim());
  }
  return size;
}
