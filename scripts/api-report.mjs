// The public API report: every name each package entry point (package.json "exports") exports,
// with its kind, read from the TypeScript sources. CI compares it with docs/api/exports.json
// (test/unit/embed/api-report.test.ts), so a change of the public surface is a visible diff.
//   node scripts/api-report.mjs           print the report
//   node scripts/api-report.mjs --write   update docs/api/exports.json
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));

export function apiReport() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entries = Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === 'object')
    .map(([subpath, target]) => [subpath, join(root, target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'))]);
  const program = ts.createProgram(
    entries.map(([, file]) => file),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true, types: [] },
  );
  const checker = program.getTypeChecker();
  const kindOf = (symbol) => {
    const s = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const f = s.flags;
    if (f & ts.SymbolFlags.Class) return 'class';
    if (f & ts.SymbolFlags.Function) return 'function';
    if (f & ts.SymbolFlags.Enum) return 'enum';
    if (f & ts.SymbolFlags.ValueModule) return 'namespace';
    if (f & ts.SymbolFlags.Variable) return 'const';
    if (f & ts.SymbolFlags.Interface) return 'interface';
    if (f & ts.SymbolFlags.TypeAlias) return 'type';
    return 'other';
  };
  const report = {};
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    report[subpath] = moduleSymbol ? checker.getExportsOfModule(moduleSymbol).map((s) => `${s.getName()}: ${kindOf(s)}`).sort() : ['(missing entry file)'];
  }
  return report;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = `${JSON.stringify(apiReport(), null, 2)}\n`;
  if (process.argv.includes('--write')) writeFileSync(join(root, 'docs/api/exports.json'), text);
  else process.stdout.write(text);
}
