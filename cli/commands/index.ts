/** The command registry: each command lives in its own file and is listed here. */
import type { Command } from '../command.js';
import { versionCommand } from './version.js';
import { storeDemoCommand } from './store-demo.js';
import { validateCommand } from './validate.js';
import { compileCommand } from './compile.js';
import { upCommand } from './up.js';
import { agentCommand } from './agent.js';
import { deployCommand } from './deploy.js';
import { statusCommand } from './status.js';
import { outputsCommand } from './outputs.js';
import { undeployCommand } from './undeploy.js';
import { hostsCommand } from './hosts.js';
import { pluginCommand } from './plugin.js';
import { credentialCommand } from './credential.js';
import { planCommand } from './plan.js';
import { updateCommand } from './update.js';
import { scaleCommand } from './scale.js';

export const commands: Command[] = [upCommand, versionCommand, storeDemoCommand, agentCommand, deployCommand, planCommand, updateCommand, scaleCommand, statusCommand, outputsCommand, undeployCommand, hostsCommand, pluginCommand, credentialCommand, validateCommand, compileCommand];
