/** Unwrap a venue call's result in a test, failing with what came back instead. */
import * as E from 'fp-ts/Either';
import { VenueError } from '@keel/venue-domain';

export const left = <A>(r: E.Either<VenueError, A>): VenueError => {
  if (E.isRight(r)) throw new Error(`expected a VenueError, got ${JSON.stringify(r.right)}`);
  return r.left;
};

export const right = <A>(r: E.Either<VenueError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected success, got ${JSON.stringify(r.left)}`);
  return r.right;
};
