export { FirewalldClient, systemBusAddress } from './firewalld-client.js';
export type { FirewallLike, FirewallPortRule, FirewallCallOptions, FirewalldClientOptions, FirewallProtocol } from './firewalld-client.js';
export { detectFirewalld } from './detect.js';
export type { FirewallDetection } from './detect.js';
export { FirewallGuard, guardedRules } from './firewall-guard.js';
export { FirewallErrorCode, START_FIREWALLD_HINT } from './errors.js';
