/**
 * A validation problem: where it is (file, 1-based line and column), a stable code such as
 * `TOSCA-TYPE-UNKNOWN`, and a message that tells the author what to change.
 */
export interface Problem {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

/** A source position; every value read from YAML carries one. */
export interface Position {
  file: string;
  line: number;
  column: number;
}

/**
 * Collects problems instead of throwing, so one run reports every problem at once.
 * Duplicates (same place, code and message) are kept out: shared definitions imported twice
 * must not report twice.
 */
export class ProblemSink {
  readonly #problems: Problem[] = [];
  readonly #seen = new Set<string>();

  report(pos: Position, code: string, message: string): void {
    const key = `${pos.file}\0${pos.line}\0${pos.column}\0${code}\0${message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#problems.push({ file: pos.file, line: pos.line, column: pos.column, code, message });
  }

  get count(): number {
    return this.#problems.length;
  }

  /** Problems sorted by file, line, column (stable for equal positions). */
  list(): Problem[] {
    return [...this.#problems].sort(
      (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column),
    );
  }
}
