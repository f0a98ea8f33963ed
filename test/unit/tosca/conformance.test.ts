import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../../tosca/conformance/suite.js';

const dir = path.resolve(__dirname, '../../../../shared/tosca/conformance');
const floor = (JSON.parse(readFileSync(path.join(__dirname, 'conformance-floor.json'), 'utf8')) as { floor: number }).floor;

describe('TOSCA conformance suite', () => {
  it.skipIf(!existsSync(path.join(dir, 'MANIFEST.tsv')))('never drops below the committed pass rate', async () => {
    const report = await runSuite(dir);
    expect(report.total).toBeGreaterThan(200);
    expect(report.rate).toBeGreaterThanOrEqual(floor);
  });
});
