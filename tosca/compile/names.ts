/** Floria names from TOSCA names: the store accepts [A-Za-z0-9_.:@+~-]; anything else becomes `_`. */
export function floriaName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.:@+~-]/g, '_').slice(0, 200);
  return s.length > 0 ? s : '_';
}

/** The vertex name of representation `index` of a template (`web`, or `web-0`, `web-1` when count > 1). */
export function nodeName(template: string, index: number, count: number): string {
  return count === 1 ? floriaName(template) : `${floriaName(template)}-${index}`;
}
