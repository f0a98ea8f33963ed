/** Coded errors of the libvirt runtime (stable API). */
import { KhutulunError } from '../../common/index.js';

export const VmErrorCode = {
  badSpec: 'KH-VM-BAD-SPEC',
  /** The npm binding @unraid/libvirt is not installed/built, or libvirt does not answer. */
  unavailable: 'KH-VM-UNAVAILABLE',
  /** A kernel, initrd or disk path does not exist. */
  fileMissing: 'KH-VM-FILE-MISSING',
  /** libvirt refused an operation. */
  libvirt: 'KH-VM-LIBVIRT',
  /** The guest stopped by itself (a cause in observations). */
  stopped: 'KH-VM-STOPPED',
  /** The guest crashed (a cause in observations). */
  crashed: 'KH-VM-CRASHED',
} as const;

type Code = (typeof VmErrorCode)[keyof typeof VmErrorCode];

export function vmError(code: Code, message: string, hint: string, extra: { retryable?: boolean; details?: Record<string, unknown>; cause?: unknown } = {}): KhutulunError {
  return new KhutulunError(code, message, {
    retryable: extra.retryable ?? false,
    hint,
    ...(extra.details ? { details: extra.details } : {}),
    ...(extra.cause !== undefined ? { cause: extra.cause } : {}),
  });
}

export function badSpec(message: string, field?: string): KhutulunError {
  return vmError(VmErrorCode.badSpec, message, 'fix the virtual machine spec (runtimes/workload.ts VirtualMachineSpec) and deploy again', field ? { details: { field } } : {});
}
