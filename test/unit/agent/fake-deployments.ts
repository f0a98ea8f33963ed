/**
 * A fake compiler and runner behind the agent's DeploymentEngine hooks, for fast unit tests: the
 * compiler reads node_templates/requirements/outputs straight from YAML (no TOSCA semantics), the
 * runner records calls and can be told to fail a node.
 */
import { parse } from 'yaml';
import type { CompiledDeployment, Compiler, NodeRunner } from '../../../agent/index.js';

export const fakeCompile: Compiler = async (req) => {
  const doc = parse(req.source) as { service_template?: { node_templates?: Record<string, { type?: string; requirements?: Array<Record<string, string>> }>; outputs?: Record<string, { value?: unknown }> } };
  const nodes = Object.entries(doc.service_template?.node_templates ?? {}).map(([id, t]) => ({
    id,
    template: t.type ?? 'tosca:Root',
    dependsOn: (t.requirements ?? []).flatMap((r) => Object.values(r)),
  }));
  const outputs: CompiledDeployment['outputs'] = {};
  for (const [k, v] of Object.entries(doc.service_template?.outputs ?? {})) outputs[k] = v.value ?? req.inputs[k] ?? null;
  return { nodes, outputs };
};

export class RecordingRunner implements NodeRunner {
  readonly calls: string[] = [];
  readonly failOn = new Set<string>();
  async start(deployment: string, node: { id: string }): Promise<void> {
    this.calls.push(`start ${deployment}/${node.id}`);
    if (this.failOn.has(node.id)) throw new Error(`boom in ${node.id}`);
  }
  async stop(deployment: string, node: { id: string }): Promise<void> {
    this.calls.push(`stop ${deployment}/${node.id}`);
  }
}

export const WEB_APP = `tosca_definitions_version: tosca_2_0
service_template:
  node_templates:
    db:
      type: Database
    app:
      type: WebApp
      requirements:
        - database: db
    proxy:
      type: Proxy
      requirements:
        - backend: app
  outputs:
    url:
      value: http://127.0.0.1:8080/
`;
