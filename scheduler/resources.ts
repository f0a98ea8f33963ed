/** Resource amounts: cpu in millicores, memory in bytes, custom counters by name (e.g. "gpu"). */
import { KhutulunError } from '../common/index.js';

export interface Resources {
  readonly cpu: number;
  readonly memory: number;
  readonly custom?: Readonly<Record<string, number>>;
}

export const NO_RESOURCES: Resources = Object.freeze({ cpu: 0, memory: 0 });

export function validateResources(value: Resources, where: string): Resources {
  const bad = (field: string, v: unknown): never => {
    throw new KhutulunError('KH-SCHED-003', `${where}: ${field} must be a finite number >= 0, got ${JSON.stringify(v)}`, {
      hint: 'express cpu in millicores and memory in bytes, both as non-negative numbers',
      details: { where, field },
    });
  };
  if (!Number.isFinite(value.cpu) || value.cpu < 0) bad('cpu', value.cpu);
  if (!Number.isFinite(value.memory) || value.memory < 0) bad('memory', value.memory);
  for (const [name, amount] of Object.entries(value.custom ?? {})) {
    if (!Number.isFinite(amount) || amount < 0) bad(`custom.${name}`, amount);
  }
  return value;
}

/** Names of the resources in `request` that do not fit in `free`; empty when it fits. */
export function missingResources(free: Resources, request: Resources): string[] {
  const out: string[] = [];
  if (request.cpu > free.cpu) out.push('cpu');
  if (request.memory > free.memory) out.push('memory');
  if (request.custom) {
    for (const [name, amount] of Object.entries(request.custom)) {
      if (amount > (free.custom?.[name] ?? 0)) out.push(name);
    }
  }
  return out;
}

export function addResources(a: Resources, b: Resources): Resources {
  if (!a.custom && !b.custom) return { cpu: a.cpu + b.cpu, memory: a.memory + b.memory };
  const custom: Record<string, number> = { ...(a.custom ?? {}) };
  for (const [name, amount] of Object.entries(b.custom ?? {})) custom[name] = (custom[name] ?? 0) + amount;
  return { cpu: a.cpu + b.cpu, memory: a.memory + b.memory, custom };
}
