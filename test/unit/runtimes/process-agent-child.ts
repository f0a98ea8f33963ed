/**
 * A stand-in agent for process-agent-restart.test.ts: ensures one workload, prints its pid, then
 * waits to be SIGKILLed (a crash: no close(), no cleanup).
 */
import { ProcessRuntimeAdapter } from '../../../runtimes/index.js';

const [stateDir, id, restart] = process.argv.slice(2);
if (!stateDir || !id) throw new Error('usage: process-agent-child <stateDir> <id> [restart]');
const adapter = new ProcessRuntimeAdapter({ stateDir });
const o = await adapter.ensure(id, { kind: 'process', command: 'sleep', args: ['300'], restart: (restart as 'never' | 'always' | undefined) ?? 'never' });
process.stdout.write(`${JSON.stringify({ pid: o.pid })}\n`);
setInterval(() => undefined, 1000);
