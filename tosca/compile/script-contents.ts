/**
 * The I/O half of script operations: reads each script file where the template names it (relative
 * to the file that names it, confined to the template's root: the CSAR, or the entry's folder),
 * checks the size limits before reading, and writes the node's (or relationship's) operations into
 * the `khutulun:scripts` property with every file's content (base64) and sha256. So the scripts
 * travel with the compiled desired state to whichever host owns the node; that host checks the
 * hashes before it runs anything. Problems are positioned and coded (TOSCA-SCRIPT-*).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Expression } from '../../store/index.js';
import { containsCall, stringMap } from '../../store/index.js';
import { confined, resolveImport, type LoadedFile } from '../loader/index.js';
import type { ProblemSink } from '../problems/index.js';
import type { CompiledNode, CompiledProperty, CompiledRequirement, CompiledScript, CompiledScriptFile, CompiledService } from './compiled.js';
import { ScriptCodes } from './script-operations.js';

export const SCRIPTS_PROPERTY = 'khutulun:scripts';
/** Per file and per service: the scripts live in the replicated document, so they stay small. */
export const SCRIPT_LIMITS = { maxFileBytes: 256 * 1024, maxServiceBytes: 4 * 1024 * 1024 } as const;

interface Budget {
  used: number;
}

async function readScriptFile(f: CompiledScriptFile, byDisplay: ReadonlyMap<string, LoadedFile>, sink: ProblemSink, budget: Budget): Promise<Expression | undefined> {
  const from = byDisplay.get(f.pos.file);
  const bad = (message: string): undefined => void sink.report(f.pos, ScriptCodes.file, message);
  if (!from) return bad(`cannot tell which file names the script ${f.file}`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(f.file)) return bad(`the script ${f.file} must be a file of the template, not a URL`);
  const loc = resolveImport(from.loc, f.file);
  if (!(await confined(loc))) return bad(`the script ${f.file} is outside the template's folder (${from.loc.root})`);
  const size = await loc.store.size?.(loc.path);
  if (size !== undefined && size > SCRIPT_LIMITS.maxFileBytes) return bad(`the script ${f.file} is ${size} bytes, over the limit of ${SCRIPT_LIMITS.maxFileBytes}`);
  const bytes = await loc.store.read(loc.path).catch(() => undefined);
  if (!bytes) return bad(`the script ${f.file} does not exist (looked for ${loc.store.display(loc.path)})`);
  if (bytes.length > SCRIPT_LIMITS.maxFileBytes) return bad(`the script ${f.file} is ${bytes.length} bytes, over the limit of ${SCRIPT_LIMITS.maxFileBytes}`);
  budget.used += bytes.length;
  if (budget.used > SCRIPT_LIMITS.maxServiceBytes) return bad(`the scripts of this service exceed ${SCRIPT_LIMITS.maxServiceBytes} bytes in all: ship large files as artifacts of a workload`);
  const rel = path.posix.relative(loc.root, loc.path);
  return stringMap({
    path: rel,
    content: Buffer.from(bytes).toString('base64'),
    sha256: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  });
}

async function scriptsProperty(scripts: readonly CompiledScript[], byDisplay: ReadonlyMap<string, LoadedFile>, sink: ProblemSink, budget: Budget): Promise<CompiledProperty | undefined> {
  const ops: Record<string, Expression> = {};
  let ok = true;
  for (const s of scripts) {
    if (s.problem) {
      sink.report(s.problem.pos, s.problem.code, s.problem.message);
      ok = false;
      continue;
    }
    const files: Expression[] = [];
    for (const f of [s.primary, ...s.dependencies]) {
      const e = await readScriptFile(f, byDisplay, sink, budget);
      if (e === undefined) ok = false;
      else files.push(e);
    }
    if (!ok) continue;
    const primaryPath = (files[0] as { entries: ReadonlyArray<readonly [Expression, Expression]> }).entries[0]![1];
    ops[s.event] = stringMap({
      interpreter: s.interpreter,
      primary: primaryPath,
      files,
      timeout_ms: BigInt(s.timeoutMs),
      inputs: stringMap(Object.fromEntries(s.inputs)),
      outputs: stringMap(s.outputs),
    });
  }
  if (!ok) return undefined;
  const value = stringMap(ops);
  // Inputs holding calls ($get_property…) are computed at instantiation, like any property.
  return containsCall(value) ? { name: SCRIPTS_PROPERTY, readOnly: true, updater: value } : { name: SCRIPTS_PROPERTY, readOnly: true, value };
}

/** Reads every script of the service and puts them into their nodes' and relationships' properties. */
export async function attachScripts(service: CompiledService, files: ReadonlyMap<string, LoadedFile>, sink: ProblemSink): Promise<CompiledService> {
  const byDisplay = new Map([...files.values()].map((f) => [f.display, f]));
  const budget: Budget = { used: 0 };
  const withProperty = async <T extends CompiledNode | CompiledRequirement>(entity: T): Promise<T> => {
    if (!entity.scripts) return entity;
    const { scripts, ...rest } = entity;
    const p = await scriptsProperty(scripts, byDisplay, sink, budget);
    return { ...rest, properties: p ? [...entity.properties, p] : entity.properties } as T;
  };
  const nodes: CompiledNode[] = [];
  for (const n of service.nodes) {
    const requirements: CompiledRequirement[] = [];
    for (const r of n.requirements) requirements.push(await withProperty(r));
    nodes.push(await withProperty({ ...n, requirements }));
  }
  return { ...service, nodes };
}
