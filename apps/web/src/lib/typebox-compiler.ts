import type { Static, TSchema } from '@sinclair/typebox';
import { Value, type ValueErrorIterator } from '@sinclair/typebox/value';

/**
 * What the web bundle gets for `@sinclair/typebox/compiler` (vite.config.ts aliases it here).
 *
 * The protocol's codecs validate every frame with `TypeCompiler.Compile(schema)`, which builds
 * each validator with `new Function(...)`; the page's Content-Security-Policy has no
 * 'unsafe-eval' (so an injected string can never run as code), and the browser refuses that. This
 * stand-in answers the same two questions the codecs ask — `Check` and `Errors` — with TypeBox's
 * own interpreter (`Value.Check`, `Value.Errors`): the same schema, the same verdicts, no eval.
 * Node (servers, tests, the terminal client) keeps the compiled validators.
 */
export class TypeCheck<T extends TSchema> {
  constructor(private readonly schema: T) {}

  Check(value: unknown): value is Static<T> {
    return Value.Check(this.schema, value);
  }

  Errors(value: unknown): ValueErrorIterator {
    return Value.Errors(this.schema, value);
  }
}

export const TypeCompiler = {
  Compile<T extends TSchema>(schema: T): TypeCheck<T> {
    return new TypeCheck(schema);
  },
};
