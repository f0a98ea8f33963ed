/**
 * Values after function detection (10.1): plain data with positions, where `$name` maps and strings
 * became function calls and `$$` escapes were removed. This is what the compile step evaluates.
 */
import type { Position } from '../problems/index.js';

export type Value = ScalarVal | ListVal | MapVal | CallVal;

export interface ScalarVal {
  readonly kind: 'scalar';
  readonly value: string | number | boolean | null;
  /** True when a number was written as a float. */
  readonly float: boolean;
  readonly pos: Position;
}

export interface ListVal {
  readonly kind: 'list';
  readonly items: readonly Value[];
  readonly pos: Position;
}

export interface MapVal {
  readonly kind: 'map';
  readonly entries: ReadonlyArray<{ readonly key: Value; readonly value: Value }>;
  readonly pos: Position;
}

/** A function call: `{ $name: args }` or `$name`. The `$suffix` variant (`$fn$1`) keeps `name` = `fn`. */
export interface CallVal {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly Value[];
  /** True when arguments were written as a list (`$f: [a, b]`) rather than one bare value. */
  readonly listArgs: boolean;
  readonly pos: Position;
}
