/**
 * `khutulun validate [--profiles DIR]... [--limit NAME=N]... [--root DIR] [--allow-files] [-o json] FILE...`
 * — validates each FILE (YAML file, CSAR archive or CSAR folder) on its own. Exit 0 all valid,
 * 1 any invalid, 2 usage or I/O errors.
 */
import type { Command } from '../command.js';
import { flagString, parseArgs, UsageError } from '../args.js';
import { buildCatalog, validateFile } from '../../tosca/index.js';
import { TOSCA_FLAGS, TOSCA_USAGE, toscaFlags } from './tosca-flags.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'validate TOSCA files, CSAR archives or CSAR folders',
  usage: `khutulun validate ${TOSCA_USAGE} [-o json] FILE...`,
  async run(argv, io) {
    const args = parseArgs(argv, { ...TOSCA_FLAGS, output: { value: true, short: 'o' } });
    const t = toscaFlags(args);
    const output = flagString(args, 'output') ?? 'text';
    if (output !== 'text' && output !== 'json') throw new UsageError(`unknown output format "${output}"`, 'use -o json');
    if (args.positionals.length === 0) throw new UsageError('no FILE given', 'name at least one TOSCA file, CSAR or folder');
    const catalog = await buildCatalog(t.profiles, io.cwd);
    let invalid = false;
    let ioError = false;
    const results = [];
    for (const file of args.positionals) {
      const r = await validateFile(file, { catalog, cwd: io.cwd, limits: t.limits, allowFiles: t.allowFiles, ...(t.root !== undefined && { root: t.root }) });
      if (r.ioError) ioError = true;
      if (!r.valid) invalid = true;
      results.push({ file: r.file, valid: r.valid, problems: r.problems });
      if (output === 'text') {
        for (const p of r.problems) io.stdout(`${p.file}:${p.line}:${p.column}: ${p.code}: ${p.message}\n`);
      }
    }
    if (output === 'json') io.stdout(`${JSON.stringify(results, null, 2)}\n`);
    return ioError ? 2 : invalid ? 1 : 0;
  },
};
