/**
 * `khutulun run NAME --workflow W`: a TOSCA imperative workflow (2.0 §13.2), coordinated by the
 * host that took the request and executed by the owners of its steps' targets (each
 * call_operation and set_state is one run request per target node, run-operation.ts).
 *
 * Order: a step with no predecessor starts at once; a step named in another step's `on_success`
 * (`on_failure`) waits for that step and runs if it succeeded (failed); with several
 * predecessors it waits for all of them and runs when any link chose it. A step not chosen is
 * skipped. Ready steps run together; the activities of a step run in order and the first failure
 * fails the step. The workflow fails when a step failed and named no `on_failure` step.
 * The order itself (`stepOrder`) is a pure function, property-tested.
 */
import { KhutulunError } from '../common/index.js';
import { evaluate } from '../store/index.js';
import type { Deployment, Expression } from '../store/index.js';
import { toJson } from '../store/index.js';
import { SET_STATE } from '../actors/index.js';
import type { CompiledWorkflow, CompiledWorkflowStep } from '../tosca/compile/index.js';
import { RunErrors, nodeTargets, runOnTargets, runTargets } from './run-operation.js';
import type { RunDeps, RunResult, RunStepResult } from './run-operation.js';
import type { RunReport, RunSpec } from './deployment-engine.js';
import type { EventHub } from './event-hub.js';

export type StepState = 'pending' | 'succeeded' | 'failed' | 'skipped';

export interface WorkflowStepReport {
  readonly name: string;
  readonly state: StepState;
}

/** Inline workflows nest at most this deep (a workflow that inlines itself is refused by the compiler's check). */
const MAX_INLINE_DEPTH = 8;

/** Steps ready to run and steps to skip, given the states so far (pure). */
export function stepOrder(steps: readonly Pick<CompiledWorkflowStep, 'name' | 'onSuccess' | 'onFailure'>[], state: ReadonlyMap<string, StepState>): { ready: string[]; skip: string[] } {
  const links = new Map<string, { from: string; on: 'succeeded' | 'failed' }[]>();
  for (const s of steps) {
    for (const n of s.onSuccess) (links.get(n) ?? links.set(n, []).get(n)!).push({ from: s.name, on: 'succeeded' });
    for (const n of s.onFailure) (links.get(n) ?? links.set(n, []).get(n)!).push({ from: s.name, on: 'failed' });
  }
  const ready: string[] = [];
  const skip: string[] = [];
  for (const s of steps) {
    if ((state.get(s.name) ?? 'pending') !== 'pending') continue;
    const incoming = links.get(s.name) ?? [];
    if (incoming.length === 0) {
      ready.push(s.name);
      continue;
    }
    const from = incoming.map((l) => ({ ...l, state: state.get(l.from) ?? 'pending' }));
    if (from.some((l) => l.state === 'pending')) continue;
    if (from.some((l) => l.state === l.on)) ready.push(s.name);
    else skip.push(s.name);
  }
  return { ready, skip };
}

/** The TOSCA layer's decoder, loaded with the first workflow run (an idle agent does not hold the TOSCA processor). */
let decodeWorkflow: ((text: string) => CompiledWorkflow | undefined) | undefined;

function readWorkflow(d: Deployment, name: string): CompiledWorkflow {
  const service = d.get('vertex', d.serviceVertex);
  const raw = service?.properties[`workflow:${name}`]?.value;
  const workflow = typeof raw === 'string' ? decodeWorkflow!(raw) : undefined;
  if (!workflow) {
    const known = Object.keys(service?.properties ?? {})
      .filter((k) => k.startsWith('workflow:'))
      .map((k) => k.slice('workflow:'.length));
    throw new KhutulunError(RunErrors.unknown, `${d.name} has no workflow ${name}`, {
      hint: known.length > 0 ? `its workflows: ${known.join(', ')}` : 'its service template defines no workflows',
    });
  }
  return workflow;
}

/** The workflow's inputs: declared ones only (an unknown name is an error, not ignored), defaults filled in. */
async function workflowInputs(d: Deployment, w: CompiledWorkflow, given: Record<string, unknown>): Promise<Record<string, unknown>> {
  const declared = new Set(w.inputs.map((i) => i.name));
  const unknown = Object.keys(given).filter((k) => !declared.has(k));
  if (unknown.length > 0) {
    throw new KhutulunError(RunErrors.unknown, `workflow ${w.name} has no input ${unknown.join(', ')}`, {
      hint: declared.size > 0 ? `its inputs: ${[...declared].join(', ')}` : 'it declares no inputs',
    });
  }
  const out: Record<string, unknown> = { ...given };
  for (const i of w.inputs) {
    if (i.name in out) continue;
    if (i.default !== undefined) out[i.name] = await value(d, i.default);
    else if (i.required) throw new KhutulunError(RunErrors.unknown, `workflow ${w.name} needs the input ${i.name}`, { hint: `pass --input ${i.name}=VALUE` });
  }
  return out;
}

async function value(d: Deployment, e: Expression): Promise<unknown> {
  const r = await evaluate(e, d.functions, { deployment: d.name, entity: d.require('vertex', d.serviceVertex).id });
  if (r.errors.length > 0 || r.value === undefined) {
    throw new KhutulunError(RunErrors.failed, `cannot evaluate a workflow input: ${r.errors[0]?.message ?? 'no value'}`, { hint: 'fix the workflow in the template' });
  }
  return toJson(r.value);
}

function refuseUnsupported(w: CompiledWorkflow): void {
  const found = [...w.unsupported.map((u) => `the workflow's ${u}`), ...w.steps.flatMap((s) => s.unsupported.map((u) => `step ${s.name}'s ${u}`))];
  const delegate = w.steps.find((s) => s.actions.some((a) => a.kind === 'delegate'));
  if (delegate) found.push(`step ${delegate.name}'s delegate activity (declarative workflows run through deploy and undeploy)`);
  if (found.length > 0) {
    // Refused before anything runs: a workflow half-understood must not run half.
    throw new KhutulunError('KH-RUN-UNSUPPORTED', `workflow ${w.name} uses what Khutulun does not run yet: ${found.join('; ')}`, {
      hint: 'remove those parts, or express them as call_operation steps',
    });
  }
}

export interface WorkflowRun {
  readonly results: RunStepResult[];
  readonly steps: WorkflowStepReport[];
  readonly ok: boolean;
}

async function execute(d: Deployment, w: CompiledWorkflow, inputs: Record<string, unknown>, deps: RunDeps, depth: number): Promise<WorkflowRun> {
  refuseUnsupported(w);
  // Targets and operations are checked for every step before the first one runs.
  for (const s of w.steps) {
    for (const a of s.actions) {
      if (a.kind === 'call_operation') runTargets(d, s.target, a.name);
      else if (a.kind === 'set_state' && s.target !== undefined) nodeTargets(d, s.target);
      else if (a.kind === 'inline') readWorkflow(d, a.name);
    }
  }
  const state = new Map<string, StepState>();
  const results: RunStepResult[] = [];
  for (;;) {
    const { ready, skip } = stepOrder(w.steps, state);
    for (const s of skip) state.set(s, 'skipped');
    if (ready.length === 0) {
      if (skip.length > 0) continue;
      break;
    }
    await Promise.all(
      ready.map(async (name) => {
        const step = w.steps.find((s) => s.name === name)!;
        const ok = await runStep(d, step, inputs, deps, depth, results);
        state.set(name, ok ? 'succeeded' : 'failed');
      }),
    );
  }
  const steps = w.steps.map((s) => ({ name: s.name, state: state.get(s.name) ?? 'skipped' }));
  const ok = w.steps.every((s) => state.get(s.name) !== 'failed' || s.onFailure.length > 0);
  return { results, steps, ok };
}

async function runStep(d: Deployment, step: CompiledWorkflowStep, inputs: Record<string, unknown>, deps: RunDeps, depth: number, results: RunStepResult[]): Promise<boolean> {
  for (const a of step.actions) {
    if (a.kind === 'inline') {
      if (depth >= MAX_INLINE_DEPTH) throw new KhutulunError(RunErrors.failed, `workflows inline each other deeper than ${MAX_INLINE_DEPTH}`, { hint: 'flatten the workflows' });
      const inner = await execute(d, readWorkflow(d, a.name), inputs, deps, depth + 1);
      results.push(...inner.results.map((r) => ({ ...r, step: `${step.name}/${r.step ?? ''}` })));
      if (!inner.ok) return false;
      continue;
    }
    const own: Record<string, unknown> = { ...inputs };
    for (const [k, e] of Object.entries(a.inputs)) own[k] = await value(d, e);
    const outcome =
      a.kind === 'set_state'
        ? await runOnTargets(d, step.target !== undefined ? nodeTargets(d, step.target) : [], SET_STATE, { state: a.name }, deps, step.name)
        : await runOnTargets(d, runTargets(d, step.target, a.name), a.name, own, deps, step.name);
    results.push(...outcome);
    if (outcome.some((r) => !r.ok)) return false;
  }
  return true;
}

/** Runs workflow `name` of deployment `d` to its end (every reachable step run or skipped). */
export async function runWorkflow(d: Deployment, name: string, inputs: Record<string, unknown>, deps: RunDeps): Promise<RunResult & { steps: WorkflowStepReport[] }> {
  decodeWorkflow ??= (await import('../tosca/compile/index.js')).decodeWorkflow;
  const w = readWorkflow(d, name);
  const run = await execute(d, w, await workflowInputs(d, w, inputs), deps, 0);
  return { deployment: d.name, workflow: name, ok: run.ok, results: run.results, steps: run.steps };
}

/** `run`: an operation on its targets, or a workflow; published on the event stream as it starts and ends. */
export async function runRequest(d: Deployment, spec: RunSpec, deps: RunDeps, events?: EventHub): Promise<RunReport> {
  const what = spec.workflow !== undefined ? `workflow ${spec.workflow}` : `${spec.operation ?? ''}${spec.node ? ` on ${spec.node}` : ''}`;
  events?.publish({ type: 'run.started', at: deps.clock.now(), deployment: d.name, message: what });
  let report: RunReport;
  if (spec.workflow !== undefined) report = await runWorkflow(d, spec.workflow, spec.inputs ?? {}, deps);
  else {
    const operation = spec.operation ?? '';
    const results = await runOnTargets(d, runTargets(d, spec.node, operation), operation, spec.inputs ?? {}, deps);
    report = { deployment: d.name, operation, ok: results.every((r) => r.ok), results };
  }
  events?.publish({ type: report.ok ? 'run.succeeded' : 'run.failed', at: deps.clock.now(), deployment: d.name, message: what });
  return report;
}
