/**
 * Operations implemented by script artifacts (`create: scripts/install.sh`, TOSCA 1.x and 2.0
 * forms, with dependencies, inputs and outputs): each becomes a handler `khutulun.script:run` and a
 * CompiledScript describing what to run. Pure; compileFile reads the files (script-contents.ts).
 * Plugin-function implementations (`<plugin-id>:<function>`) are context.ts's; this file takes
 * the operations whose last implementation is anything else, so none is dropped silently.
 */
import type { Expression } from '../../store/index.js';
import { stringMap } from '../../store/index.js';
import type { ArtifactDef, ImplementationDef, InterfaceDef, OperationDef, PropertyDef, Ref } from '../model/index.js';
import type { PNode } from '../reader/index.js';
import type { CompileContext } from './context.js';
import { PLUGIN_FN } from './context.js';
import type { CompiledHandler, CompiledScript, CompiledScriptFile } from './compiled.js';

export const SCRIPT_HANDLER = 'khutulun.script:run';
/** Marks an input resolved when the script runs (the khutulun.script plugin reads it). */
export const OPERATION_OUTPUT_MARK = 'khutulun:operation-output';
/** Default and ceiling of a script's run time (a 1.x `timeout` in seconds overrides the default). */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 300_000;
export const MAX_SCRIPT_TIMEOUT_MS = 24 * 3600_000;
export const ScriptCodes = {
  /** The implementation is neither a plugin function nor a script this orchestrator can run. */
  unsupported: 'TOSCA-SCRIPT-UNSUPPORTED',
  /** A script file is missing, unreadable, outside the template's root, or too large. */
  file: 'TOSCA-SCRIPT-FILE',
} as const;

type Interpreter = CompiledScript['interpreter'];

/** The interpreter of a script, by its artifact type name first, then by its file extension. */
export function interpreterOf(file: string, type: string | undefined): Interpreter | undefined {
  const t = (type ?? '').split(/[.:]/).pop()?.toLowerCase();
  if (t === 'bash') return 'bash';
  if (t === 'python') return 'python3';
  if (t === 'ansible' || t === 'playbook') return 'ansible-playbook';
  if (t === 'sh' || t === 'shell') return 'sh';
  const ext = /\.([A-Za-z0-9]+)$/.exec(file)?.[1]?.toLowerCase();
  switch (ext) {
    case 'sh':
      return 'sh';
    case 'bash':
      return 'bash';
    case 'py':
      return 'python3';
    case 'yml':
    case 'yaml':
      return 'ansible-playbook';
    default:
      return undefined;
  }
}

/** 2.0 examples write the lifecycle interface as `standard`; its events are `Standard.*` all the same. */
function eventName(iface: string, op: string): string {
  return `${iface === 'standard' ? 'Standard' : iface === 'configure' ? 'Configure' : iface}.${op}`;
}

interface Merged {
  impl?: ImplementationDef;
  inputs: Map<string, PNode>;
  outputs: Map<string, PropertyDef>;
}

/** Later layers (derived types, then the template) refine earlier ones operation by operation. */
function mergeOperations(layers: ReadonlyArray<ReadonlyMap<string, InterfaceDef>>): Map<string, Merged> {
  const ops = new Map<string, Merged>();
  for (const layer of layers) {
    for (const [iname, iface] of layer) {
      for (const [oname, op] of iface.operations) {
        const key = eventName(iname, oname);
        const cur = ops.get(key) ?? { inputs: new Map<string, PNode>(), outputs: new Map<string, PropertyDef>() };
        for (const [k, v] of iface.inputValues) cur.inputs.set(k, v);
        mergeOperation(cur, op);
        ops.set(key, cur);
      }
    }
  }
  return ops;
}

function mergeOperation(cur: Merged, op: OperationDef): void {
  for (const [k, d] of op.inputs) if (d.value ?? d.default) cur.inputs.set(k, (d.value ?? d.default)!);
  for (const [k, v] of op.inputValues) cur.inputs.set(k, v);
  for (const [k, d] of op.outputs) cur.outputs.set(k, d);
  if (op.implementation?.primary) cur.impl = op.implementation;
}

function fileOf(a: ArtifactDef | Ref, artifacts: ReadonlyMap<string, ArtifactDef>): { file: string; type?: string; pos: CompiledScriptFile['pos'] } {
  if ('file' in a && typeof a.file === 'string') return { file: a.file, ...(a.type && { type: a.type.name }), pos: a.pos };
  const named = artifacts.get(a.name);
  if (named?.file !== undefined) return { file: named.file, ...(named.type && { type: named.type.name }), pos: named.pos };
  return { file: a.name, pos: a.pos };
}

/** `get_operation_output` (1.x) or `$get_operation_output` with four plain names. */
function operationOutputArgs(n: PNode): string[] | undefined {
  if (n.kind !== 'map' || n.entries.length !== 1) return undefined;
  const { key, value } = n.entries[0]!;
  if (key.kind !== 'scalar' || (key.value !== 'get_operation_output' && key.value !== '$get_operation_output')) return undefined;
  if (value.kind !== 'list' || value.items.length !== 4) return undefined;
  const names = value.items.map((i) => (i.kind === 'scalar' && typeof i.value === 'string' ? i.value : undefined));
  return names.every((x) => x !== undefined) ? (names as string[]) : undefined;
}

function inputExpression(n: PNode, ctx: CompileContext): Expression {
  const out = operationOutputArgs(n);
  return out ? stringMap({ [OPERATION_OUTPUT_MARK]: out }) : ctx.expr(n);
}

/** `outputs: { name: { mapping: [SELF, attribute] } }` or `{ name: [SELF, attribute] }` -> name -> attribute (SELF only). */
function outputMappings(outputs: ReadonlyMap<string, PropertyDef>): { map: Record<string, string>; other?: PropertyDef } {
  const map: Record<string, string> = {};
  for (const [name, d] of outputs) {
    const m = d.mapping ?? (d.value?.kind === 'list' ? d.value : undefined);
    if (!m) continue;
    const items = m.kind === 'list' ? m.items.map((i) => (i.kind === 'scalar' ? i.value : undefined)) : [];
    if (items.length === 2 && items[0] === 'SELF' && typeof items[1] === 'string') map[name] = items[1];
    else return { map, other: d };
  }
  return { map };
}

export interface ScriptOperations {
  readonly handlers: Record<string, CompiledHandler[]>;
  readonly scripts: CompiledScript[];
}

/** The script operations among the interfaces of a node (or relationship), with their handlers. */
export function scriptOperations(layers: ReadonlyArray<ReadonlyMap<string, InterfaceDef>>, artifacts: ReadonlyMap<string, ArtifactDef>, ctx: CompileContext): ScriptOperations {
  const handlers: Record<string, CompiledHandler[]> = {};
  const scripts: CompiledScript[] = [];
  for (const [event, op] of mergeOperations(layers)) {
    const primary = op.impl?.primary;
    if (!op.impl || !primary) continue;
    const main = fileOf(primary, artifacts);
    if (PLUGIN_FN.test(main.file)) continue; // a plugin function: context.ts compiles it
    const interpreter = interpreterOf(main.file, main.type);
    const timeout = op.impl.timeout;
    const { map: outputs, other } = outputMappings(op.outputs);
    const problem = !interpreter
      ? { pos: main.pos, code: ScriptCodes.unsupported, message: `the operation ${event} is implemented by ${main.file}, which this orchestrator cannot run: use a shell (.sh, .bash), Python (.py) or Ansible (.yml) script, or a plugin function <plugin-id>:<function>` }
      : other
        ? { pos: other.pos, code: ScriptCodes.unsupported, message: `the output ${other.name} of ${event} maps to an entity other than SELF: only [SELF, <attribute>] mappings are written back` }
        : undefined;
    scripts.push({
      event,
      interpreter: interpreter ?? 'sh',
      primary: { file: main.file, pos: main.pos },
      dependencies: op.impl.dependencies.map((d) => {
        const f = fileOf(d, artifacts);
        return { file: f.file, pos: f.pos };
      }),
      timeoutMs: timeout !== undefined && timeout > 0 ? Math.min(timeout * 1000, MAX_SCRIPT_TIMEOUT_MS) : DEFAULT_SCRIPT_TIMEOUT_MS,
      inputs: [...op.inputs].map(([k, v]) => [k, inputExpression(v, ctx)] as const),
      outputs,
      ...(problem && { problem }),
    });
    handlers[event] = [{ fn: SCRIPT_HANDLER, args: [] }];
  }
  return { handlers, scripts };
}
