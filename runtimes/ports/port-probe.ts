/** The I/O half of allocation: is a port really free on this host? Checked by binding it briefly. */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { PortProtocol } from './port-ledger.js';

export type PortProbe = (port: number, protocol: PortProtocol) => Promise<boolean>;

/** Binds `address:port` and releases it; true when the bind succeeded. */
export function probePort(port: number, protocol: PortProtocol, address = '0.0.0.0'): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const socket = createSocket('udp4');
      socket.once('error', () => {
        socket.close();
        resolve(false);
      });
      socket.bind({ port, address, exclusive: true }, () => socket.close(() => resolve(true)));
      return;
    }
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: address, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
