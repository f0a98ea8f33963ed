/**
 * `khutulun compile [--profiles DIR]... [--input NAME=VALUE]... [-o yaml|json] [--instantiate] FILE`
 * Prints the Floria templates compiled from a TOSCA file; with --instantiate, the vertexes and edges
 * of an in-memory instantiation with their evaluated properties. Exit 0 ok, 1 problems, 2 usage/I/O.
 */
import { stringify } from 'yaml';
import type { Command } from '../command.js';
import { flagBool, flagList, flagString, parseArgs, parseAssignments, UsageError } from '../args.js';
import { TOSCA_FLAGS, TOSCA_USAGE, toscaFlags } from './tosca-flags.js';
import { buildCatalog } from '../../tosca/index.js';
import { compileFile, instantiateService, readOutputs } from '../../tosca/compile/index.js';
import type { CompiledService } from '../../tosca/compile/index.js';
import { formatEntityId, openStore, toJson } from '../../store/index.js';
import type { Deployment, Expression, Json, Property } from '../../store/index.js';

/** Expressions inside the compiled model -> plain JSON (bigints, typed values, calls made readable). */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'bigint' || value instanceof Uint8Array) return toJson(value as Expression);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.$ === 'map' || o.$ === 'call' || o.$ === 'custom') return toJson(value as Expression);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function propertyView(p: Property): Json {
  return p.value !== undefined ? toJson(p.value) : p.updater !== undefined ? { $pending: toJson(p.updater) } : null;
}

async function instances(d: Deployment): Promise<unknown> {
  const vertexes = d.query({ kind: 'vertex', directory: ['nodes'] }).map((v) => ({
    id: formatEntityId(v.id),
    template: v.metadata['tosca:template'] ?? null,
    type: v.metadata['tosca:type'] ?? null,
    classes: v.classIds,
    properties: Object.fromEntries(Object.entries(v.properties).map(([k, p]) => [k, propertyView(p)])),
    handlers: Object.fromEntries(Object.entries(v.handlers).map(([e, hs]) => [e, hs.map((h) => h.fn)])),
  }));
  const edges = d.query({ kind: 'edge', directory: ['relationships'] }).map((e) => ({
    id: formatEntityId(e.id),
    source: e.source,
    target: e.target,
    requirement: e.metadata['tosca:requirement'] ?? null,
    capability: e.metadata['tosca:capability'] ?? null,
    properties: Object.fromEntries(Object.entries(e.properties).map(([k, p]) => [k, propertyView(p)])),
  }));
  return { vertexes, edges, outputs: (await readOutputs(d)).outputs };
}

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile a TOSCA service template to Floria templates (and instances with --instantiate)',
  usage: `khutulun compile ${TOSCA_USAGE} [--input NAME=VALUE]... [-o yaml|json] [--instantiate] FILE`,
  async run(argv, io) {
    const args = parseArgs(argv, {
      ...TOSCA_FLAGS,
      input: { value: true, repeat: true },
      output: { value: true, short: 'o' },
      instantiate: {},
    });
    const output = flagString(args, 'output') ?? 'yaml';
    if (output !== 'yaml' && output !== 'json') throw new UsageError(`unknown output format "${output}"`, 'use -o yaml or -o json');
    if (args.positionals.length !== 1) throw new UsageError('compile takes exactly one FILE');
    const file = args.positionals[0]!;
    const inputs = Object.fromEntries(parseAssignments(flagList(args, 'input')));
    const t = toscaFlags(args);
    const catalog = await buildCatalog(t.profiles, io.cwd);
    const r = await compileFile(file, { catalog, cwd: io.cwd, inputs, limits: t.limits, allowFiles: t.allowFiles, ...(t.root !== undefined && { root: t.root }) });
    for (const p of r.problems) io.stderr(`${p.file}:${p.line}:${p.column}: ${p.code}: ${p.message}\n`);
    if (!r.service || !r.ok) return r.ioError ? 2 : 1;
    let result: unknown = { templates: plain(r.service as CompiledService) };
    let failed = false;
    if (flagBool(args, 'instantiate')) {
      const store = await openStore({ hostId: 'compile' });
      try {
        const d = await store.createDeployment('compile');
        const inst = await instantiateService(d, r.service, undefined, t.limits);
        for (const p of inst.problems) io.stderr(`${file}: ${p.code}: ${p.message}\n`);
        failed = inst.problems.length > 0;
        result = { ...(result as object), instances: await instances(d) };
      } finally {
        await store.close();
      }
    }
    io.stdout(output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : stringify(result, { aliasDuplicateObjects: false }));
    return failed ? 1 : 0;
  },
};
