/**
 * The regular-expression engine for device-declared schemas (`pattern`,
 * `patternProperties`): RE2, which runs in time linear in the input. JavaScript's own
 * engine backtracks, so a declared `^(a+)+$` against 29 × "a" + "!" blocks the event loop —
 * every room of the process — for seconds. RE2 has no backreferences or lookaround;
 * patterns that use them are refused with a sentence instead of compiled.
 *
 * `re2` is a native addon (built from its bundled sources at install); it is loaded here,
 * once, so a build for the wrong Node.js version fails at start-up with a sentence.
 */
import { createRequire } from "node:module";

/** What ajv needs of a compiled pattern (its `RegExpLike`). */
interface CompiledPattern { test(input: string): boolean }
type Re2Constructor = new (pattern: string, flags?: string) => CompiledPattern;

/** A declared pattern that RE2 cannot run; its message is the refusal sentence. */
export class UnsupportedPatternError extends Error {}

function loadRe2(): Re2Constructor {
  try {
    return createRequire(import.meta.url)("re2") as Re2Constructor;
  } catch (error) {
    throw new Error(`The native module "re2" (linear-time regular expressions for device-declared schemas) cannot be loaded: ${(error as Error).message.split("\n")[0]}. Rebuild it for this Node.js with \`npm rebuild re2\`.`, { cause: error });
  }
}

const RE2 = loadRe2();

/** Compiles `pattern` with RE2 for ajv's `code.regExp` option; throws a sentence when RE2 cannot run it. */
function compileLinear(pattern: string, flags: string): CompiledPattern {
  try {
    return new RE2(pattern, flags);
  } catch (error) {
    throw new UnsupportedPatternError(`pattern ${JSON.stringify(pattern.slice(0, 100))} cannot run in linear time (${(error as Error).message}); backreferences and lookaround are not supported`);
  }
}

/** ajv's `RegExpEngine` shape: the function, and the code that would load it in standalone output. */
export const linearRegExp = Object.assign(compileLinear, { code: 'require("re2")' });
