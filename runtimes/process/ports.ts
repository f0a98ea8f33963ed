/**
 * Host-port checks before a process starts: bind briefly to see the port is free and, when it is
 * not, find which pid holds it (from /proc/net/* socket inodes and /proc/<pid>/fd links).
 */
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import type { PortSpec } from '../workload.js';
import { portTaken } from './errors.js';

function tryBindTcp(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    // exclusive: do not share a handle with cluster workers; 0.0.0.0 catches wildcard binds too.
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

function tryBindUdp(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolvePromise(false);
    });
    socket.bind({ port, address: '0.0.0.0', exclusive: true }, () => socket.close(() => resolvePromise(true)));
  });
}

export function isPortFree(port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  return protocol === 'tcp' ? tryBindTcp(port) : tryBindUdp(port);
}

/** Socket inodes bound to a local port, from /proc/net/{tcp,tcp6,udp,udp6} text (pure). */
export function socketInodesForPort(procNetText: string, port: number, listeningOnly: boolean): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes: string[] = [];
  for (const line of procNetText.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    const state = f[3];
    const inode = f[9];
    if (!local || !inode || inode === '0') continue;
    if (!local.endsWith(`:${hex}`)) continue;
    if (listeningOnly && state !== '0A') continue;
    inodes.push(inode);
  }
  return inodes;
}

/** The pid holding the port, or undefined (bounded scan of /proc; unreadable entries skipped). */
export function findPortOwner(port: number, protocol: 'tcp' | 'udp', procRoot = '/proc'): number | undefined {
  const inodes = new Set<string>();
  for (const file of protocol === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6']) {
    try {
      for (const i of socketInodesForPort(readFileSync(`${procRoot}/net/${file}`, 'utf8'), port, protocol === 'tcp')) inodes.add(`socket:[${i}]`);
    } catch {
      // the family may be absent
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`${procRoot}/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** Throws KH-PROC-PORT-TAKEN for the first requested host port that is in use. */
export async function checkPortsFree(id: string, ports: readonly PortSpec[] | undefined): Promise<void> {
  for (const p of ports ?? []) {
    if (p.hostPort === undefined || p.hostPort === 0) continue;
    if (!(await isPortFree(p.hostPort, p.protocol))) throw portTaken(id, p.hostPort, p.protocol, findPortOwner(p.hostPort, p.protocol));
  }
}
