/**
 * Typed reads of vertex properties for plugin code. A missing or mistyped required property is a
 * coded failure that names the property, so the user knows what to fix in the template.
 */
import type { JsonValue } from '../effects.js';
import type { VertexSnapshot } from '../host/call.js';
import { fail } from './define-plugin.js';

type Props = Record<string, JsonValue>;
const BAD = 'KH-PLUGIN-PROPERTY';

function wrong(vertex: string, name: string, expected: string): never {
  return fail(BAD, `vertex ${vertex}: property ${name} must be ${expected}`, {
    hint: `set ${name} in the node template (or its type's default)`,
  });
}

function get(props: Props, name: string): JsonValue | undefined {
  const v = props[name];
  return v === null ? undefined : v;
}

export function readString(vertex: VertexSnapshot, name: string, required: true): string;
export function readString(vertex: VertexSnapshot, name: string, required?: false): string | undefined;
export function readString(vertex: VertexSnapshot, name: string, required = false): string | undefined {
  const v = get(vertex.properties, name);
  if (v === undefined) return required ? wrong(vertex.id, name, 'set (a string)') : undefined;
  return typeof v === 'string' ? v : wrong(vertex.id, name, 'a string');
}

export function readNumber(vertex: VertexSnapshot, name: string): number | undefined {
  const v = get(vertex.properties, name);
  if (v === undefined) return undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : wrong(vertex.id, name, 'a number');
}

export function readBoolean(vertex: VertexSnapshot, name: string): boolean | undefined {
  const v = get(vertex.properties, name);
  if (v === undefined) return undefined;
  return typeof v === 'boolean' ? v : wrong(vertex.id, name, 'a boolean');
}

export function readStringList(vertex: VertexSnapshot, name: string): string[] | undefined {
  const v = get(vertex.properties, name);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return wrong(vertex.id, name, 'a list of strings');
  return v as string[];
}

/** A map of strings; numbers and booleans are turned into their text (env values often are). */
export function readStringMap(vertex: VertexSnapshot, name: string): Record<string, string> | undefined {
  const v = get(vertex.properties, name);
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return wrong(vertex.id, name, 'a map of strings');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, JsonValue>)) {
    if (typeof x === 'string') out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else return wrong(vertex.id, `${name}.${k}`, 'a string');
  }
  return out;
}

/** The workload id a vertex's workload runs under: the vertex id (`<deployment>/<vertex>`). */
export function workloadId(vertex: VertexSnapshot): string {
  // Vertex paths repeat across deployments (every service has nodes/web): qualify them.
  return vertex.deployment ? `${vertex.deployment}/${vertex.id}` : vertex.id;
}
