import { Max, Min, type ValidationArguments } from 'class-validator';

/**
 * The range of an integer argument, declared on the argument itself. type-graphql checks it
 * with class-validator before the resolver runs, and `formatError` turns a violation into
 * BAD_USER_INPUT naming the argument, so no resolver checks a range by hand.
 */
export function IntRange(min: number, max?: number): PropertyDecorator {
  const message = ({ property, value }: ValidationArguments) =>
    max === undefined ? `${property} must be ${min} or more, got ${String(value)}` : `${property} must be between ${min} and ${max}, got ${String(value)}`;
  return (target, key) => {
    Min(min, { message })(target, key as string);
    if (max !== undefined) Max(max, { message })(target, key as string);
  };
}
