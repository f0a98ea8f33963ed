import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../../tosca/index.js';

const TEMPLATE = `tosca_definitions_version: tosca_2_0
capability_types:
  Svc:
    properties:
      port: { type: integer, default: 80 }
relationship_types:
  Uses: {}
interface_types:
  Life:
    operations:
      create: {}
      start: {}
node_types:
  Base:
    properties:
      size: { type: integer, default: 1 }
      name: { type: string }
    capabilities:
      svc: Svc
    interfaces:
      life: { type: Life }
  Web:
    derived_from: Base
    requirements:
      - db: { capability: Svc, relationship: Uses, count_range: [1, 1] }
service_template:
  inputs:
    n: { type: string, default: web }
  node_templates:
    db: { type: Base, properties: { name: db } }
    web:
      type: Web
      count: 2
      properties:
        name: { $get_input: n }
      capabilities:
        svc: { properties: { port: 8080 } }
      requirements:
        - db: db
      interfaces:
        life:
          operations:
            create: create.sh
`;

describe('normalized service template', () => {
  it('applies inheritance and defaults and keeps function calls structured', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kh-tosca-norm-'));
    writeFileSync(path.join(dir, 'main.yaml'), TEMPLATE);
    const r = await validateFile('main.yaml', { cwd: dir });
    expect(r.problems).toEqual([]);
    const web = r.model?.service?.nodeTemplates.get('web');
    expect(web?.typeChain).toEqual(['Web', 'Base']);
    expect(web?.properties.get('size')).toMatchObject({ kind: 'scalar', value: 1 });
    expect(web?.properties.get('name')).toMatchObject({ kind: 'call', name: 'get_input', args: [{ kind: 'scalar', value: 'n' }] });
    expect(web?.count).toMatchObject({ value: 2 });
    expect(web?.capabilities.get('svc')?.properties.get('port')).toMatchObject({ value: 8080 });
    expect(r.model?.service?.nodeTemplates.get('db')?.capabilities.get('svc')?.properties.get('port')).toMatchObject({ value: 80 });
    expect(web?.requirements[0]).toMatchObject({ name: 'db', node: 'db', capability: 'Svc', relationship: 'Uses', count: 1, countRange: [1, 1] });
    const ops = web?.interfaces.get('life')?.operations;
    expect([...(ops?.keys() ?? [])].sort()).toEqual(['create', 'start']);
    expect(ops?.get('create')?.implementation).toBe('create.sh');
    expect(web?.properties.get('name')?.pos).toMatchObject({ file: 'main.yaml', line: 35, column: 17 });
  });
});
