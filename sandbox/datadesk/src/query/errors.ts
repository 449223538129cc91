/** Every problem with a query surfaces as a QueryError with a message fit to show the user. */
export class QueryError extends Error {
  /** 1-based character position in the query text, when known. */
  readonly position?: number;

  constructor(message: string, position?: number) {
    super(position === undefined ? message : `${message} (at position ${position})`);
    this.name = 'QueryError';
    this.position = position;
  }
}
