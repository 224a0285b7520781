/**
 * A request the timeline refuses: a bad page size, a cursor that does not fit the query, a
 * time window the wrong way round. The GraphQL layer turns it into BAD_USER_INPUT.
 */
export class TimelineInputError extends Error {
  constructor(
    message: string,
    readonly argument: string,
  ) {
    super(message);
    this.name = 'TimelineInputError';
  }
}
