export {
  allocatePort,
  releaseReservation,
  releaseWorkload,
  mergeLedgers,
  compareReservations,
  findReservation,
  resolveEndpoint,
  emptyLedger,
  portKey,
  DEFAULT_PORT_RANGE,
  PortErrorCode,
} from './port-ledger.js';
export type {
  PortLedger,
  PortReservation,
  PortRange,
  PortProtocol,
  AllocationRequest,
  AllocationOptions,
  PortEndpoint,
} from './port-ledger.js';
export { probePort } from './port-probe.js';
export type { PortProbe } from './port-probe.js';
export { MemoryPortStore, JsonFilePortStore } from './port-store.js';
export type { PortReservationStore } from './port-store.js';
export { PortManager } from './port-manager.js';
export type { PortManagerOptions } from './port-manager.js';
