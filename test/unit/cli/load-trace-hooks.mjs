// Module hooks for cli-lazy-load.test.ts: print every module URL the CLI resolves (one a line, on stderr).
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (!r.url.startsWith('node:')) process.stderr.write(`LOADED ${r.url}\n`);
  return r;
}
