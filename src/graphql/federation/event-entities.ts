// Before the decorated resolver class below is loaded, whoever imports this module first.
import 'reflect-metadata';
import DataLoader from 'dataloader';
import type { EventRecord } from '../../model/event.model.js';
import type { RequestContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { EventsResolver } from '../resolvers/events.resolver.js';
import { MAX_STRING_LENGTH } from '../validation/input-guard.js';

/**
 * `event(id)` itself, so that an entity is found exactly as the query finds it: the same id
 * checks, the same scope (a source the principal may not read has no session: null, and no
 * upstream call), the same `findEvent`. The resolver class holds no state.
 */
const eventQuery = new EventsResolver();

/** One loader per request: what it remembers is that request's, in that request's scope. */
const perRequest = new WeakMap<RequestContext, EventEntities>();

/**
 * The events a request's `_entities` asks for, by id. A gateway sends every representation
 * of one fetch in one list; they are gathered into one batch, and an id asked twice is
 * looked up once.
 */
export class EventEntities {
  private readonly loader = new DataLoader<string, EventRecord | null>((ids) => this.findAll(ids));

  private constructor(private readonly context: RequestContext) {}

  static of(context: RequestContext): EventEntities {
    let entities = perRequest.get(context);
    if (!entities) {
      entities = new EventEntities(context);
      perRequest.set(context, entities);
    }
    return entities;
  }

  /** Null when the event is not (or no longer) upstream, or its source is out of scope. */
  find(id: unknown): Promise<EventRecord | null> {
    // The argument guard sees `_Any` values as opaque: a representation's id is checked here,
    // as the guard checks the `id` of `event(id)`.
    if (typeof id !== 'string') return Promise.reject(badUserInput('id: an event representation needs the id of an event', 'representations'));
    if (id.length > MAX_STRING_LENGTH) return Promise.reject(badUserInput(`id is ${id.length} characters long; at most ${MAX_STRING_LENGTH} are accepted`, 'representations'));
    return this.loader.load(id);
  }

  /**
   * One batch: every id of the request's entity fetch. A malformed id fails its own entity
   * (null there, BAD_USER_INPUT in `errors[]`), and an upstream failure its own; the others
   * are answered.
   */
  async findAll(ids: readonly string[]): Promise<(EventRecord | null | Error)[]> {
    return Promise.all(
      ids.map(async (id) => {
        try {
          return await eventQuery.event(id, this.context);
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    );
  }
}
