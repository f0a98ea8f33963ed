import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the Khutulun version',
  usage: 'khutulun version',
  async run(_argv, io) {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    io.stdout(`khutulun ${pkg.version}\n`);
    return 0;
  },
};
