/** The OVN runtime's pure parts: subnets, address allocation, MACs, interface names, ACL matches, spec checks. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import { aclMatch, hostRange, macFor, parseCidr, pickAddress, validateNetworkSpec, vethNames } from '../../../runtimes/ovn/index.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KhutulunError);
    expect((e as KhutulunError).hint).toBeTruthy();
    return (e as KhutulunError).code;
  }
  throw new Error('expected a coded error');
}

describe('OVN network spec', () => {
  it('parses subnets and refuses host bits, odd prefixes and junk', () => {
    expect(parseCidr('10.77.0.0/24')).toEqual({ base: (10 << 24) + (77 << 16), prefix: 24 });
    for (const bad of ['10.77.0.1/24', '10.77.0.0/8', '10.77.0.0/30', '10.300.0.0/24', '10.77.0/24', 'x', '10.77.0.0']) {
      expect(codeOf(() => parseCidr(bad))).toBe('KH-OVN-BAD-SPEC');
    }
  });

  it('allocates the lowest free address inside the subnet, never .0/.1/broadcast, and says when it is full', () => {
    fc.assert(
      fc.property(fc.integer({ min: 24, max: 29 }), fc.array(fc.nat(300), { maxLength: 40 }), (prefix, taken) => {
        const subnet = parseCidr(`10.9.8.0/${prefix}`);
        const { first, last } = hostRange(subnet);
        const used = new Set(taken.map((n) => `10.9.8.${n % 256}`));
        const ip = pickAddress(subnet, used);
        const free = [];
        for (let n = first; n <= last; n++) if (!used.has(`10.9.8.${n & 255}`)) free.push(`10.9.8.${n & 255}`);
        expect(ip).toBe(free[0]);
        if (ip) {
          const last8 = Number(ip.split('.')[3]);
          expect(last8).toBeGreaterThanOrEqual(2);
          expect(last8).toBeLessThan(2 ** (32 - prefix) - 1);
        }
      }),
    );
    const tiny = parseCidr('10.0.0.0/29'); // .2 … .6
    expect(pickAddress(tiny, new Set(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']))).toBeUndefined();
  });

  it('gives stable, unicast, locally administered MACs and interface names that fit the kernel limit', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (net, w) => {
        const mac = macFor(`${net}@${w}`);
        expect(mac).toMatch(/^0a(:[0-9a-f]{2}){5}$/);
        expect(macFor(`${net}@${w}`)).toBe(mac);
        const names = vethNames(net, w);
        expect(Buffer.byteLength(names.host)).toBeLessThanOrEqual(15);
        expect(Buffer.byteLength(names.inside)).toBeLessThanOrEqual(15);
      }),
    );
    expect(vethNames('d/net', 'd/a').host).not.toBe(vethNames('d/net', 'd/b').host);
  });

  it('writes ACL matches and checks rules', () => {
    expect(aclMatch({ action: 'reject', protocol: 'tcp', port: 9000 })).toBe('ip4 && tcp.dst == 9000');
    expect(aclMatch({ action: 'drop', protocol: 'ip' })).toBe('ip4');
    expect(aclMatch({ action: 'allow', protocol: 'udp' })).toBe('ip4 && udp');
    const ok = { kind: 'network', cidr: '10.1.0.0/16', acls: [{ action: 'allow', protocol: 'tcp', port: 80 }, { action: 'drop', protocol: 'ip' }] };
    expect(validateNetworkSpec(ok)).toBe(ok);
    for (const bad of [
      { kind: 'container', cidr: '10.1.0.0/16' },
      { kind: 'network' },
      { kind: 'network', cidr: '10.1.0.0/16', acls: 'x' },
      { kind: 'network', cidr: '10.1.0.0/16', acls: [{ action: 'permit', protocol: 'tcp' }] },
      { kind: 'network', cidr: '10.1.0.0/16', acls: [{ action: 'allow', protocol: 'icmp', port: 1 }] },
      { kind: 'network', cidr: '10.1.0.0/16', acls: [{ action: 'allow', protocol: 'tcp', port: 70000 }] },
    ]) {
      expect(codeOf(() => validateNetworkSpec(bad))).toBe('KH-OVN-BAD-SPEC');
    }
  });
});
