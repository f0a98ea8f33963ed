/**
 * The TOSCA Standard lifecycle as data: phases, operations, and which operation leads where.
 * Kept apart from the transition function so tests and the engine can reason about the same table.
 */

export type LifecyclePhase =
  | 'initial'
  | 'creating'
  | 'created'
  | 'configuring'
  | 'configured'
  | 'starting'
  | 'started'
  | 'stopping'
  | 'stopped'
  | 'deleting'
  | 'deleted'
  | 'error';

/** Phases an actor rests in between operations (everything but the -ing phases and error). */
export type StablePhase = 'initial' | 'created' | 'configured' | 'started' | 'stopped' | 'deleted';

export type Operation = 'create' | 'configure' | 'start' | 'stop' | 'delete';

export type Goal = 'deployed' | 'undeployed';

export const OPERATIONS: readonly Operation[] = ['create', 'configure', 'start', 'stop', 'delete'];

/** The phase an actor is in while an operation runs. */
export const BUSY_PHASE: Readonly<Record<Operation, LifecyclePhase>> = {
  create: 'creating',
  configure: 'configuring',
  start: 'starting',
  stop: 'stopping',
  delete: 'deleting',
};

/** The phase an operation leaves the actor in when it succeeds. */
export const DONE_PHASE: Readonly<Record<Operation, StablePhase>> = {
  create: 'created',
  configure: 'configured',
  start: 'started',
  stop: 'stopped',
  delete: 'deleted',
};

/** The TOSCA interface event name of each operation (`Standard.create`, …). */
export const OPERATION_EVENT: Readonly<Record<Operation, string>> = {
  create: 'Standard.create',
  configure: 'Standard.configure',
  start: 'Standard.start',
  stop: 'Standard.stop',
  delete: 'Standard.delete',
};

/**
 * The next operation towards a goal from a stable phase, or undefined when the goal is met.
 * Undeploying something never created (initial) needs nothing; a created or configured node was
 * never started, so it is deleted without a stop.
 */
export function nextOperation(stable: StablePhase, goal: Goal): Operation | undefined {
  if (goal === 'deployed') {
    switch (stable) {
      case 'initial':
      case 'deleted':
        return 'create';
      case 'created':
        return 'configure';
      case 'configured':
      case 'stopped':
        return 'start';
      case 'started':
        return undefined;
    }
  }
  switch (stable) {
    case 'started':
      return 'stop';
    case 'created':
    case 'configured':
    case 'stopped':
      return 'delete';
    case 'initial':
    case 'deleted':
      return undefined;
  }
}

/** True when the stable phase satisfies the goal. */
export function goalMet(stable: StablePhase, goal: Goal): boolean {
  return nextOperation(stable, goal) === undefined;
}

export function isStablePhase(phase: string): phase is StablePhase {
  return ['initial', 'created', 'configured', 'started', 'stopped', 'deleted'].includes(phase);
}
