/**
 * Runs the real CLI from sources as a child process (`node --import tsx up-launcher.ts ARGS`), the
 * way `bin/khutulun.js` runs dist/: the e2e tests spawn it, so they need no build of the TypeScript.
 */
import { main } from '../../../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
