/**
 * The pure parts of shipping plugins: which artifacts are plugins, the handler rewrite to
 * `<name>/<hash16>`, the grant check (denied by default, coded, says how to allow), blob hash
 * verification, and the share decision for blob documents (only hosts that own a user).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DocumentId } from '@automerge/automerge-repo';
import { checkGrants, isShippedPluginId, nodesUsing, pluginArtifacts, rewriteHandlers, shippedPluginId } from '../../../agent/plugin-refs.js';
import type { ResolvedPlugin } from '../../../agent/plugin-refs.js';
import { sha256Hex, verifyBlob } from '../../../agent/plugin-blobs.js';
import { shouldAnnounce } from '../../../agent/share-policy.js';
import type { ClusterDoc } from '../../../agent/cluster-doc.js';
import type { CompiledNode, CompiledService } from '../../../tosca/compile/index.js';

const node = (name: string, fns: Record<string, string>, artifacts: CompiledNode['artifacts'] = []): CompiledNode => ({
  name,
  type: 'Root',
  classes: ['Root'],
  directives: [],
  count: 1n,
  properties: [],
  capabilities: [],
  requirements: [{ name: 'dependency', count: 1, optional: true, relationshipClasses: [], properties: [], handlers: { 'Configure.add_source': [{ fn: fns['Standard.start'] ?? 'x:y', args: [] }] } }],
  handlers: Object.fromEntries(Object.entries(fns).map(([e, fn]) => [e, [{ fn, args: [] }]])),
  artifacts,
  metadata: {},
});

const service = (nodes: CompiledNode[]): CompiledService => ({ inputs: [], outputs: [], nodes, policies: [], groups: [], workflows: [], classes: {} });

const greeter: CompiledNode['artifacts'][number] = { name: 'g', type: 'PluginComponent', types: ['PluginComponent', 'Root'], file: 'p.wasm', version: '1', properties: { name: 'acme.greeter', grants: ['clocks'] } };

describe('plugin artifacts and handler ids', () => {
  it('finds PluginComponent artifacts (and derived types), one entry per plugin name', () => {
    const derived = { ...greeter, name: 'h', type: 'MyPlugin', types: ['MyPlugin', 'PluginComponent', 'Root'] };
    const refs = pluginArtifacts(service([node('a', {}, [greeter]), node('b', {}, [derived]), node('c', {}, [{ name: 'exe', type: 'Executable', types: ['Executable', 'Root'], file: 'x' }])]));
    expect(refs).toEqual([{ name: 'acme.greeter', version: '1', file: 'p.wasm', grants: ['clocks'], nodes: ['a', 'b'] }]);
    // `file: registry:<name>`: a plugin from the cluster's registry, no file to read.
    expect(pluginArtifacts(service([node('a', {}, [{ name: 'r', type: 'PluginComponent', file: 'registry:acme.other' }])]))).toEqual([{ name: 'acme.other', grants: [], nodes: ['a'] }]);
  });

  it('refuses an unknown grant and two different declarations of one plugin, with codes', () => {
    expect(() => pluginArtifacts(service([node('a', {}, [{ ...greeter, properties: { name: 'acme.greeter', grants: ['root'] } }])]))).toThrow(expect.objectContaining({ code: 'KH-PLUGIN-GRANT' }));
    expect(() => pluginArtifacts(service([node('a', {}, [greeter]), node('b', {}, [{ ...greeter, file: 'other.wasm' }])]))).toThrow(expect.objectContaining({ code: 'KH-PLUGIN-INVALID' }));
  });

  it('rewrites exactly the handlers that name a shipped plugin, in nodes and their requirements', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), fc.array(fc.constantFrom('acme.greeter', 'khutulun.noop', 'other.x'), { minLength: 1, maxLength: 5 }), (hash, plugins) => {
        const p: ResolvedPlugin = { id: shippedPluginId('acme.greeter', hash), name: 'acme.greeter', hash, grants: [], size: 1 };
        const fns = Object.fromEntries(plugins.map((pl, i) => [`E.op${i}`, `${pl}:fn${i}`]));
        const out = rewriteHandlers(service([node('a', fns)]), [p]).nodes[0]!;
        for (const [event, fn] of Object.entries(fns)) {
          const expected = fn.startsWith('acme.greeter:') ? fn.replace('acme.greeter:', `${p.id}:`) : fn;
          expect(out.handlers[event]![0]!.fn).toBe(expected);
        }
        expect(out.requirements[0]!.handlers['Configure.add_source']![0]!.fn.startsWith(p.id)).toBe(fns['Standard.start']?.startsWith('acme.greeter:') ?? false);
        expect(isShippedPluginId(p.id)).toBe(true);
        expect(nodesUsing(rewriteHandlers(service([node('a', fns)]), [p]), p.id)).toEqual(plugins.includes('acme.greeter') ? ['a'] : []);
      }),
    );
    expect(isShippedPluginId('khutulun.noop')).toBe(false);
  });
});

describe('grants', () => {
  it('are denied by default, with a code naming the grant and how to allow it', () => {
    let error: { code?: string; message?: string; hint?: string } | undefined;
    try {
      checkGrants('acme.greeter', ['clocks', 'random'], { 'acme.greeter': ['random'] });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.code).toBe('KH-PLUGIN-GRANT');
    expect(error?.message).toContain('"clocks"');
    expect(error?.message).not.toContain('"random"');
    expect(error?.hint).toContain('khutulun plugin allow acme.greeter clocks');
    expect(() => checkGrants('acme.greeter', ['clocks'], { 'acme.greeter': ['clocks'] })).not.toThrow();
    expect(() => checkGrants('acme.greeter', [], {})).not.toThrow();
    expect(() => checkGrants('acme.greeter', ['network'], { other: ['network'] })).toThrow(expect.objectContaining({ code: 'KH-PLUGIN-GRANT' }));
  });
});

describe('blobs', () => {
  it('are accepted only with the bytes their hash names', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.nat(), (bytes, at) => {
        const hash = sha256Hex(bytes);
        expect(verifyBlob('p', bytes, hash, 'u')).toBe(bytes);
        const tampered = Uint8Array.from(bytes);
        const i = at % bytes.length;
        tampered[i] = (tampered[i] ?? 0) ^ 1;
        expect(() => verifyBlob('p', tampered, hash, 'u')).toThrow(expect.objectContaining({ code: 'KH-PLUGIN-TAMPERED', retryable: false }));
      }),
    );
    expect(() => verifyBlob('p', 'text', sha256Hex(new Uint8Array()), 'u')).toThrow(expect.objectContaining({ code: 'KH-PLUGIN-TAMPERED' }));
  });

  it('are announced only to the hosts that own a node using them', () => {
    const blob = 'blobDoc1' as DocumentId;
    const doc: ClusterDoc = {
      version: 1,
      hosts: {},
      deployments: {
        a: { name: 'a', docUrl: 'automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu', hosts: ['h0', 'h1', 'h2'], createdAt: 0, createdBy: 'h0', plugins: { [blob]: ['h1'] } },
        b: { name: 'b', docUrl: 'automerge:2cHNXL9rNdUm6o6xjK9rtWbX5Yat', hosts: ['h0', 'h2'], createdAt: 0, createdBy: 'h0', plugins: { [blob]: ['h2'] } },
      },
    };
    const cluster = 'cluster' as DocumentId;
    expect(['h0', 'h1', 'h2', 'h3'].map((h) => shouldAnnounce(cluster, doc, h, blob))).toEqual([false, true, true, false]);
    expect(shouldAnnounce(cluster, doc, 'h1', 'unknownDoc' as DocumentId)).toBe(false);
  });
});
