/** `khutulun completion bash|zsh`: prints the completion script for the shell. */
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { bashCompletion, zshCompletion } from '../completion-script.js';
import { commands } from './index.js';

export const completionCommand: Command = {
  name: 'completion',
  summary: 'print a shell completion script (bash or zsh)',
  usage: 'khutulun completion bash|zsh',
  async run(argv, io) {
    const [shell, ...rest] = argv;
    if (rest.length > 0 || (shell !== 'bash' && shell !== 'zsh')) throw new UsageError(shell ? `no completion for shell "${shell}"` : 'completion needs a shell', 'khutulun completion bash, or khutulun completion zsh');
    io.stdout(shell === 'bash' ? bashCompletion(commands) : zshCompletion(commands));
    return 0;
  },
};
