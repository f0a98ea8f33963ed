export type { PNode, PMap, PList, PScalar, PEntry, ScalarValue } from './node.js';
export {
  isMap,
  isList,
  isScalar,
  isNull,
  isString,
  isInteger,
  isNumber,
  isBoolean,
  keyText,
  get,
  getEntry,
  toPlain,
  describe,
} from './node.js';
export { parseYaml, MAX_DEPTH, MAX_NODES } from './yaml-reader.js';
export type { ParsedYaml } from './yaml-reader.js';
