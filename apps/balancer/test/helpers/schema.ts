import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** Throws with the first schema error, so a failing test says which field is wrong. */
export function assertMatches(schema: TSchema, value: unknown): void {
  const checker = TypeCompiler.Compile(schema);
  if (checker.Check(value)) return;
  const first = checker.Errors(value).First();
  throw new Error(
    `value does not match its schema at ${first?.path ?? '?'}: ${first?.message ?? '?'}\n${JSON.stringify(value)}`,
  );
}
