/** The command registry: each command lives in its own file and is listed here. */
import type { Command } from '../command.js';
import { versionCommand } from './version.js';

export const commands: Command[] = [versionCommand];
