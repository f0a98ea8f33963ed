/**
 * Floria's update + prepare on every property of an entity, in name order:
 * update — if readOnly and a value exists, nothing; else if an updater exists, value = eval(updater);
 * prepare — if a value exists and a preparer exists, value = eval(preparer) (coerce/validate).
 * Changed values are written compare-and-set, so a concurrent write is never overwritten blindly.
 */
import type { KhutulunError } from '../common/index.js';
import { storeError } from './errors.js';
import { formatEntityId } from './ids.js';
import type { EntityId } from './ids.js';
import type { Expression } from './expression/index.js';
import { evaluate, expressionEquals } from './expression/index.js';
import type { Property } from './entities.js';
import type { DeploymentImpl } from './deployment.js';

export async function updateProperties(dep: DeploymentImpl, id: EntityId): Promise<KhutulunError[]> {
  const entity = dep.get(id.kind, id) as { properties?: Readonly<Record<string, Property>> } | undefined;
  if (!entity) throw storeError('KH-STORE-005', `${id.kind} ${formatEntityId(id)} not found`);
  const errors: KhutulunError[] = [];
  const writes: Promise<void>[] = [];
  for (const name of Object.keys(entity.properties ?? {}).sort()) {
    const p = entity.properties![name]!;
    const site = { deployment: dep.name, entity: id, property: name };
    let value: Expression | undefined = p.value;
    if (!(p.readOnly && p.value !== undefined) && p.updater !== undefined) {
      const r = await evaluate(p.updater, dep.functions, site);
      errors.push(...r.errors);
      if (r.errors.length === 0) value = r.value;
    }
    if (value !== undefined && p.preparer !== undefined) {
      const r = await evaluate(p.preparer, dep.functions, { ...site, value });
      errors.push(...r.errors);
      if (r.errors.length === 0) value = r.value;
    }
    if (value !== undefined && (p.value === undefined || !expressionEquals(value, p.value))) {
      writes.push(dep.casPropertyValue(id, name, p.value, value));
    }
  }
  await Promise.all(writes);
  return errors;
}
