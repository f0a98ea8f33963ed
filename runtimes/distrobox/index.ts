export { DistroboxRuntimeAdapter, DISTROBOX_RUNTIME } from './distrobox-adapter.js';
export type { DistroboxAdapterOptions } from './distrobox-adapter.js';
export { DistroboxErrorCode } from './errors.js';
export { validatePristineSpec, boxName } from './spec.js';
export type { PristineContainerSpec } from './spec.js';
export { lookupUser as lookupBoxUser } from './as-user.js';
