/** A config that cannot be run: the message starts with the field path, e.g.
 *  `process.args: must be a non-empty array`. */
export class SpecError extends Error {
  constructor(readonly field: string, readonly problem: string) {
    super(field ? `${field}: ${problem}` : problem);
    this.name = 'SpecError';
  }
}
