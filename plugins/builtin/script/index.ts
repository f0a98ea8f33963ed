export { describe, invoke } from './plugin.js';
export { scriptSpec, envName, envText, SCRIPTS_PROPERTY, OPERATION_OUTPUT_MARK } from './script-operation.js';
