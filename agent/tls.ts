/**
 * Optional mutual TLS on the agent's one port. With it, the port serves HTTPS + WSS and asks every
 * caller — peer or API client — for a certificate signed by the cluster CA: anyone else is refused
 * in the TLS handshake, before any HTTP or WebSocket exists (and logged, with the remote address).
 * Peers dial `wss://` with the agent's own certificate, so host certificates must allow both
 * server and client auth and name the addresses peers dial (scripts/tls/make-cluster-ca.sh). The
 * shared token is still checked on top when one is configured (defence in depth).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer as createHttpServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { KhutulunError } from '../common/index.js';
import type { Logger } from '../common/index.js';
import { AgentErrors } from './errors.js';

/** PEM file paths (what operators have on disk; the agent record keeps them for the CLI). */
export interface TlsFiles {
  /** This host's certificate (server and client auth). */
  cert: string;
  /** Its private key. */
  key: string;
  /** The cluster CA certificate(s): the only issuer trusted for peers and clients. */
  ca: string;
}

export interface TlsMaterial {
  /** The same paths, absolute. */
  files: TlsFiles;
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

const WHAT: Record<keyof TlsFiles, string> = { cert: 'certificate (--tls-cert)', key: 'private key (--tls-key)', ca: 'CA certificate (--tls-ca)' };
const MAKE = 'make them with scripts/tls/make-cluster-ca.sh (see docs/agent.md, "Mutual TLS")';

function bad(message: string, hint: string, cause?: unknown): KhutulunError {
  return new KhutulunError(AgentErrors.badOption, message, { hint, ...(cause !== undefined ? { cause } : {}) });
}

/** Reads and checks the PEM files, so a bad file is a coded error at start rather than a failed handshake later. */
export function loadTls(files: Partial<TlsFiles>): TlsMaterial {
  const missing = (Object.keys(WHAT) as Array<keyof TlsFiles>).filter((k) => typeof files[k] !== 'string' || files[k] === '');
  if (missing.length > 0) {
    throw bad(`mutual TLS needs a certificate, its key and the cluster CA; missing: ${missing.join(', ')}`, 'give all three of --tls-cert, --tls-key, --tls-ca, or none');
  }
  const abs: TlsFiles = { cert: resolve(files.cert!), key: resolve(files.key!), ca: resolve(files.ca!) };
  const read = (k: keyof TlsFiles): Buffer => {
    try {
      return readFileSync(abs[k]);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw bad(`cannot read the TLS ${WHAT[k]} ${abs[k]}: ${code}`, `check the path and that this user may read it; ${MAKE}`, error);
    }
  };
  const material: TlsMaterial = { files: abs, cert: read('cert'), key: read('key'), ca: read('ca') };
  try {
    // Parses all three and checks that the key belongs to the certificate.
    createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
  } catch (error) {
    throw bad(`invalid TLS files: ${(error as Error).message}`, `--tls-cert and --tls-ca want PEM certificates, --tls-key the certificate's PEM private key; ${MAKE}`, error);
  }
  const cert = new X509Certificate(material.cert);
  const cas = pemBlocks(material.ca).map((p) => new X509Certificate(p));
  if (!cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    throw bad(`the certificate ${abs.cert} is not signed by the CA in ${abs.ca}`, `peers would refuse this host: issue its certificate from the cluster CA; ${MAKE}`);
  }
  return material;
}

function pemBlocks(pem: Buffer): string[] {
  return pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * The agent's server: plain HTTP, or HTTPS demanding a client certificate from the cluster CA.
 * Returned as an http.Server: https.Server has the same API (node's types declare it on tls.Server).
 */
/** `checkEveryMs`: how often node checks the headers/request timeouts of open connections. */
export function createAgentServer(handler: RequestListener, tls: TlsMaterial | undefined, logger: Logger, checkEveryMs = 30_000): Server {
  const timing = { connectionsCheckingInterval: checkEveryMs };
  if (!tls) return createHttpServer(timing, handler);
  const server = createHttpsServer({ ...timing, cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, handler);
  // A failed handshake may be reported once the socket is gone, when remoteAddress reads undefined:
  // remember each connection's address up front, keyed by the TCP socket the TLS socket wraps
  // (`_parent`: node-internal but stable since 0.x; without it the address is just not logged).
  const addresses = new WeakMap<object, string>();
  server.on('connection', (raw: Socket) => {
    if (raw.remoteAddress) addresses.set(raw, raw.remoteAddress);
  });
  // Unknown peers and clients (no certificate, or one from another CA) end here: refuse and log.
  // A certificate that fails verification is dropped by node after the handshake, so the error
  // reads "socket hang up": the verdict is in authorizationError (e.g. UNABLE_TO_GET_ISSUER_CERT).
  server.on('tlsClientError', (error, socket) => {
    const raw = (socket as unknown as { _parent?: object })._parent ?? socket;
    const reason = socket.authorizationError ? String(socket.authorizationError) : error.message;
    logger.log('warn', 'refused TLS connection', { from: socket.remoteAddress ?? addresses.get(raw), reason });
  });
  return server as unknown as Server;
}

/** What the agent's outgoing `ws` sockets present and trust. */
export function peerSocketOptions(tls: TlsMaterial | undefined): { cert?: Buffer; key?: Buffer; ca?: Buffer } {
  return tls ? { cert: tls.cert, key: tls.key, ca: tls.ca } : {};
}
