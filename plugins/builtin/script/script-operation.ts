/**
 * Reads a script operation from the compiled desired state (the `khutulun:scripts` property the
 * TOSCA compiler writes: operation event -> files, interpreter, inputs, outputs mapping, timeout)
 * and turns it into a ScriptSpec. Pure; runs inside the khutulun.script Wasm plugin.
 */
import type { JsonValue } from '../../effects.js';
import type { EdgeSnapshot, PeerSnapshot, VertexSnapshot } from '../../host/call.js';
import type { ScriptFile, ScriptSpec } from '../../../runtimes/workload.js';
import { fail } from '../../sdk/define-plugin.js';

export const SCRIPTS_PROPERTY = 'khutulun:scripts';
/** An operation input that is `get_operation_output: [entity, interface, operation, name]`, resolved when the script runs. */
export const OPERATION_OUTPUT_MARK = 'khutulun:operation-output';
/** Runtimes whose workloads a hosted node's scripts run inside (through their exec). */
const HOSTING_RUNTIMES = new Set(['podman', 'docker', 'nspawn']);
const CODE = 'KH-SCRIPT-OPERATION';

type Obj = Record<string, JsonValue>;
const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An input name as an environment variable name (TOSCA names may hold `-` or `.`). */
export function envName(name: string): string {
  const n = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

/** A JSON value as an environment variable's text: strings as they are, the rest as JSON. */
export function envText(v: JsonValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function operationOutput(owner: { properties: Record<string, JsonValue>; attributes?: Record<string, JsonValue> }, iface: string, op: string, name: string): JsonValue | undefined {
  const key = `khutulun:output:${iface}.${op}:${name}`;
  return owner.attributes?.[key] ?? owner.properties[key];
}

/** Resolves `get_operation_output: [SELF|SOURCE|TARGET|<node template>, interface, operation, name]`. */
function resolveOutput(args: JsonValue, vertex: VertexSnapshot, edge: EdgeSnapshot | undefined, input: string): string {
  if (!Array.isArray(args) || args.length !== 4 || !args.every((a) => typeof a === 'string')) {
    return fail(CODE, `input ${input}: get_operation_output needs [entity, interface, operation, output]`);
  }
  const [entity, iface, op, name] = args as string[];
  let owner: { properties: Record<string, JsonValue> } | PeerSnapshot | undefined;
  if (entity === 'SELF') owner = vertex;
  else if (entity === 'SOURCE' || entity === 'TARGET') {
    if (!edge) return fail(CODE, `input ${input}: ${entity} is only meaningful in a relationship operation`);
    const selfIsSource = edge.direction === 'out';
    owner = (entity === 'SOURCE') === selfIsSource ? vertex : edge.peer;
  } else {
    owner = vertex.edges.map((e) => e.peer).find((p) => p.template?.split('/').pop() === entity || p.id.split('/').pop() === entity);
    if (!owner) return fail(CODE, `input ${input}: get_operation_output names node ${entity}, which is not a neighbour of ${vertex.id}`, { hint: 'add a requirement to that node, or pass the value another way' });
  }
  const v = operationOutput(owner, iface!, op!, name!);
  if (v === undefined) {
    return fail(CODE, `input ${input}: operation ${iface}.${op} of ${entity} has not produced output ${name}`, {
      hint: `make that script write "${name}=<value>" to $KHUTULUN_OUTPUTS, and run it before this one`,
    });
  }
  return envText(v);
}

function readFiles(op: Obj, event: string): ScriptFile[] {
  const files = op.files;
  if (!Array.isArray(files) || files.length === 0) return fail(CODE, `${event}: the script operation has no files`, { hint: 'recompile the template' });
  return files.map((f) => {
    if (!isObj(f) || typeof f.path !== 'string' || typeof f.content !== 'string' || typeof f.sha256 !== 'string') {
      return fail(CODE, `${event}: a script file entry is malformed`, { hint: 'recompile the template' });
    }
    return { path: f.path, content: f.content, sha256: f.sha256 };
  });
}

/** Where the node lives: inside the workload of the node it is HostedOn, when that runtime hosts commands. */
function hostingWorkload(vertex: VertexSnapshot): ScriptSpec['inside'] {
  for (const e of vertex.edges) {
    if (e.direction !== 'out' || !e.classes.some((c) => /HostedOn$/.test(c))) continue;
    const runtime = e.peer.properties.runtime;
    const workload = e.peer.properties.workload_id;
    if (typeof runtime === 'string' && HOSTING_RUNTIMES.has(runtime) && typeof workload === 'string') return { runtime, workload };
  }
  return undefined;
}

/** The ScriptSpec of operation `event` of a vertex (or of the relationship `edge` it takes part in). */
/**
 * `given`: inputs of an imperative run (`khutulun run --input`, an emitted event's source and
 * payload); they override the operation's own inputs of the same name.
 */
export function scriptSpec(event: string, vertex: VertexSnapshot, edgeId: string | undefined, given: Readonly<Record<string, JsonValue>> = {}): ScriptSpec {
  const edge = edgeId !== undefined ? vertex.edges.find((e) => e.id === edgeId) : undefined;
  if (edgeId !== undefined && !edge) return fail(CODE, `${event}: relationship ${edgeId} is not an edge of ${vertex.id}`);
  const all = (edge ?? vertex).properties[SCRIPTS_PROPERTY];
  const op = isObj(all) ? all[event] : undefined;
  if (!isObj(op)) return fail(CODE, `${event} of ${vertex.id} has no script operation in the desired state`, { hint: 'recompile the template and update the deployment' });
  const interpreter = op.interpreter;
  if (interpreter !== 'sh' && interpreter !== 'bash' && interpreter !== 'python3' && interpreter !== 'ansible-playbook') {
    return fail(CODE, `${event}: unknown interpreter ${JSON.stringify(interpreter)}`);
  }
  if (typeof op.primary !== 'string') return fail(CODE, `${event}: no primary script`);
  const env: Record<string, string> = {};
  if (isObj(op.inputs)) {
    for (const [name, v] of Object.entries(op.inputs)) {
      env[envName(name)] = isObj(v) && OPERATION_OUTPUT_MARK in v ? resolveOutput(v[OPERATION_OUTPUT_MARK]!, vertex, edge, name) : envText(v);
    }
  }
  for (const [name, v] of Object.entries(given)) env[envName(name)] = envText(v);
  const outputs: Record<string, string> = {};
  if (isObj(op.outputs)) for (const [name, attr] of Object.entries(op.outputs)) if (typeof attr === 'string') outputs[name] = attr;
  const timeoutMs = typeof op.timeout_ms === 'number' && op.timeout_ms > 0 ? op.timeout_ms : 300_000;
  const inside = hostingWorkload(vertex);
  return {
    kind: 'script',
    operation: event,
    interpreter,
    primary: op.primary,
    files: readFiles(op, event),
    env,
    timeoutMs,
    ...(Object.keys(outputs).length > 0 ? { outputs } : {}),
    ...(inside ? { inside } : {}),
  };
}
