/**
 * `khutulun plugin new NAME`: a plugin project of its own — the plugin source, recorded test cases,
 * a package.json whose scripts build and test it with this CLI, and a README with the next steps.
 * The files are plain text here so a scaffold needs nothing but this installation.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KhutulunError } from '../../common/index.js';

/** A plugin id: dotted lower-case names, e.g. `acme.greeter` (handlers are `acme.greeter:start`). */
export const PLUGIN_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

export function scaffoldFiles(name: string, version: string): Record<string, string> {
  const code = name.split('.').pop()!.toUpperCase().replace(/-/g, '_');
  const wasm = `build/${name}.wasm`;
  const cases = {
    plugin: `../${wasm}`,
    cases: [
      {
        name: 'start greets the node by its name',
        fn: 'start',
        event: { name: 'Standard.start' },
        snapshot: { id: 'nodes/web', properties: { name: 'Ada' } },
        expect: { effects: [{ type: 'set-property', property: 'greeting', value: 'hello Ada' }, { type: 'log', level: 'info', message: 'Standard.start greeted Ada' }] },
      },
      { name: 'start refuses a node without a name', fn: 'start', snapshot: { id: 'nodes/web', properties: {} }, expect: { error: `${code}-NAME` } },
      { name: 'shout is a value function', fn: 'shout', event: { name: 'call', payload: 'hi' }, expect: { value: 'HI' } },
    ],
  };
  return {
    'package.json': `${JSON.stringify(
      {
        name: name.replace(/\./g, '-'),
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: { build: `khutulun plugin build src/plugin.ts -o ${wasm}`, test: 'khutulun plugin test test/cases.json' },
        devDependencies: { khutulun: version === 'unknown' ? '*' : `^${version}` },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify({ compilerOptions: { target: 'ES2020', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true }, include: ['src'] }, null, 2)}\n`,
    '.gitignore': 'build/\nnode_modules/\n',
    'src/plugin.ts': `/**
 * ${name}: a Khutulun plugin. Each function is a pure function of (event, vertex snapshot) that
 * returns effects; see the Khutulun docs (docs/plugins.md).
 */
import { definePlugin, fail, log, setProperty, value } from 'khutulun/plugins/sdk';

export const { describe, invoke } = definePlugin(
  '${name}',
  {
    // An operation implemented by \`${name}:start\`: greets the node by its \`name\` property.
    start: (event, vertex) => {
      const who = vertex.properties.name;
      if (typeof who !== 'string') return fail('${code}-NAME', \`node \${vertex.id} has no name property\`, { hint: 'set the property name' });
      return [setProperty('greeting', \`hello \${who}\`), log('info', \`\${event.name} greeted \${who}\`)];
    },
    // A value function (\`$${name}:shout\` in TOSCA): the payload in capitals.
    shout: (event) => value(String(event.payload ?? '').toUpperCase()),
  },
  { version: '0.1.0' },
);
`,
    'test/cases.json': `${JSON.stringify(cases, null, 2)}\n`,
    'README.md': `# ${name}

A Khutulun plugin.

    khutulun plugin build src/plugin.ts -o ${wasm}   # or: npm run build
    khutulun plugin test test/cases.json              # or: npm test

\`test/cases.json\` holds recorded events: each case calls one function with an event and a vertex
snapshot and says what must come back (\`effects\`, a \`value\`, or an \`error\` code).
A service template names the functions as operation implementations: \`${name}:start\`.
`,
  };
}

/** Writes the scaffold into `dir` (which must not exist, or be empty); returns the files written. */
export async function scaffoldPlugin(dir: string, name: string, version: string): Promise<string[]> {
  if (!PLUGIN_NAME.test(name)) {
    throw new KhutulunError('KH-PLUGIN-NAME', `"${name}" is not a plugin name`, { hint: 'use dotted lower-case names, e.g. acme.greeter' });
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new KhutulunError('KH-PLUGIN-EXISTS', `${dir} exists and is not empty`, { hint: 'choose another name or --dir, or remove the folder' });
  }
  const files = scaffoldFiles(name, version);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text, { flag: 'wx' });
  }
  return Object.keys(files);
}
