/**
 * The regular-expression engine for device-declared schemas (`pattern`,
 * `patternProperties`): RE2 semantics, which run in time linear in the input. JavaScript's
 * own engine backtracks, so a declared `^(a+)+$` against 29 × "a" + "!" blocks the event
 * loop — every room of the process — for seconds. RE2 has no backreferences or lookaround;
 * patterns that use them are refused with a sentence instead of compiled.
 *
 * The engine is `re2js`, a pure-JavaScript port of RE2 (issue 17 replaced the native `re2`
 * addon; DESIGN.md "Linear-time patterns" has the measurements): the same syntax and the same
 * refusals, no native code reading device-supplied patterns, and nothing to compile at
 * install. It is slower per character than the native engine, which the declared-schema
 * budget (declaredSchemaLimits.ts) accounts for: patterns weigh extra in a schema's size.
 */
import { RE2JS } from "re2js";

/** What ajv needs of a compiled pattern (its `RegExpLike`). */
interface CompiledPattern { test(input: string): boolean }

/** A declared pattern that RE2 cannot run; its message is the refusal sentence. */
export class UnsupportedPatternError extends Error {}

/** The flags ajv passes (it asks for "u"; RE2 is Unicode-aware already) mapped onto RE2JS's. */
function re2Flags(flags: string): number {
  let bits = 0;
  if (flags.includes("i")) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes("m")) bits |= RE2JS.MULTILINE;
  if (flags.includes("s")) bits |= RE2JS.DOTALL;
  return bits;
}

/** Compiles `pattern` with RE2 for ajv's `code.regExp` option; throws a sentence when RE2 cannot run it. */
function compileLinear(pattern: string, flags: string): CompiledPattern {
  try {
    const compiled = RE2JS.compile(pattern, re2Flags(flags));
    // JSON Schema's `pattern` matches anywhere in the string (ECMA-262 `test`), not the whole of it.
    return { test: (input: string) => compiled.test(input) };
  } catch (error) {
    throw new UnsupportedPatternError(`pattern ${JSON.stringify(pattern.slice(0, 100))} cannot run in linear time (${(error as Error).message}); backreferences and lookaround are not supported`);
  }
}

/** ajv's `RegExpEngine` shape: the function, and the code that would load it in standalone output. */
export const linearRegExp = Object.assign(compileLinear, { code: 'require("re2js").RE2JS' });
