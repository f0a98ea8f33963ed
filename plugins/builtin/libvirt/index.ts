export { virtualMachineSpec } from './plugin.js';
