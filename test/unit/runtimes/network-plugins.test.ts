/** The built-in plugins of networks and pristine containers: vertex -> spec, and AttachesTo edges -> ovnNetworks. */
import { describe, expect, it } from 'vitest';
import { networkSpec } from '../../../plugins/builtin/ovn/index.js';
import { pristineContainerSpec } from '../../../plugins/builtin/distrobox/index.js';
import { systemContainerSpec } from '../../../plugins/builtin/nspawn/index.js';

type Vertex = Parameters<typeof networkSpec>[0];
const vertex = (properties: Record<string, unknown>, edges: unknown[] = []): Vertex =>
  ({ id: 'nodes/x', deployment: 'd', classes: [], properties, attributes: {}, edges }) as unknown as Vertex;
const attach = (peer: string, classes = ['khutulun.org:core:AttachesTo']): unknown => ({ id: `e-${peer}`, name: 'network', direction: 'out', classes, properties: {}, peer: { id: peer, classes: [], properties: {} } });

describe('khutulun.ovn / khutulun.distrobox plugins', () => {
  it('a Network becomes a network spec with its ACLs; bad rules and a missing cidr are coded', () => {
    expect(networkSpec(vertex({ cidr: '10.1.0.0/24', acls: [{ action: 'allow', port: 80 }, { action: 'reject', protocol: 'ip' }] }))).toEqual({
      kind: 'network', cidr: '10.1.0.0/24', acls: [{ action: 'allow', protocol: 'tcp', port: 80 }, { action: 'reject', protocol: 'ip' }],
    });
    expect(() => networkSpec(vertex({}))).toThrow(/needs cidr/);
    expect(() => networkSpec(vertex({ cidr: '10.1.0.0/24', acls: [{ action: 'permit' }] }))).toThrow(/action/);
  });

  it('AttachesTo edges name the networks (deployment-qualified), other edges do not', () => {
    const spec = systemContainerSpec(vertex({ image_tar: 'r.tar', network: 'private', command: ['true'] }, [attach('nodes/net2'), attach('nodes/net1'), attach('nodes/db', ['khutulun.org:core:ConnectsTo'])]));
    expect(spec.ovnNetworks).toEqual(['d/nodes/net1', 'd/nodes/net2']);
    expect(systemContainerSpec(vertex({ image_tar: 'r.tar', command: ['true'] })).ovnNetworks).toBeUndefined();
  });

  it('a PristineContainer needs its user (coded) and maps packages and the init timeout', () => {
    expect(pristineContainerSpec(vertex({ image: 'localhost/debian:bookworm', user: 'dev', packages: ['git'], init_timeout: '5 m' }))).toEqual({
      kind: 'pristine-container', image: 'localhost/debian:bookworm', user: 'dev', packages: ['git'], initTimeoutMs: 300_000,
    });
    expect(() => pristineContainerSpec(vertex({ image: 'i' }))).toThrow(/needs user/);
  });
});
