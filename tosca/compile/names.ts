/** Floria names from TOSCA names: the store accepts [A-Za-z0-9_.:@+~-]; anything else becomes `_`. */
export function floriaName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.:@+~-]/g, '_').slice(0, 200);
  return s.length > 0 ? s : '_';
}

/**
 * The vertex name of representation `index` of a template: `web`, then `web-1`, `web-2`… The
 * first keeps the plain name whatever the count, so scaling 1 -> 3 -> 1 keeps the instance that
 * ran (Day 2 compares vertexes by id).
 */
export function nodeName(template: string, index: number, _count: number): string {
  return index === 0 ? floriaName(template) : `${floriaName(template)}-${index}`;
}
