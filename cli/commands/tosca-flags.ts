/**
 * Flags shared by `validate` and `compile`: limits on the work a template may cause, the folder
 * imports must stay inside, and whether `file:` / absolute imports are allowed (off by default).
 */
import { flagBool, flagList, flagString, UsageError, type ParsedArgs } from '../args.js';
import { parseLimitAssignments } from '../../tosca/limits/index.js';
import type { ToscaLimits } from '../../tosca/limits/index.js';

export const TOSCA_FLAGS = {
  profiles: { value: true, repeat: true },
  limit: { value: true, repeat: true },
  root: { value: true },
  'allow-files': {},
} as const;

export const TOSCA_USAGE = '[--profiles DIR]... [--limit NAME=N]... [--root DIR] [--allow-files]';

export interface ToscaFlagValues {
  readonly profiles: string[];
  readonly limits: Partial<ToscaLimits>;
  readonly root?: string;
  readonly allowFiles: boolean;
}

export function toscaFlags(args: ParsedArgs): ToscaFlagValues {
  let limits: Partial<ToscaLimits>;
  try {
    limits = parseLimitAssignments(flagList(args, 'limit'));
  } catch (error) {
    throw new UsageError((error as Error).message, 'see docs/tosca.md, "Limits", for the names and defaults');
  }
  const root = flagString(args, 'root');
  return { profiles: flagList(args, 'profiles'), limits, ...(root !== undefined && { root }), allowFiles: flagBool(args, 'allow-files') };
}
