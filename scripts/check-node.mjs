/**
 * The Node.js version check every entry point runs before anything else loads (issue 22 item
 * 5): better-sqlite3's native binary crashes older Node.js with a segfault and no word, so a
 * wrong Node must be one sentence and a non-zero exit instead.
 *
 * Plain JavaScript with no import beyond Node's own, so it runs on any Node.js. The npm
 * scripts load it first (`tsx --import ./scripts/check-node.mjs …`) and `npm start`
 * (scripts/start.mjs) imports it before anything else. (`node dist/server/index.js` run
 * directly by a service manager does not: the unit names its Node.js.)
 *
 * BATON_NODE_VERSION_CHECK_AS=<version> checks that version instead of the running one: how
 * the tests show what `npm run dev` says on Node 20 without installing Node 20.
 */
import process from "node:process";

/** The oldest Node.js major Baton runs on (package.json "engines"). */
export const REQUIRED_NODE_MAJOR = 22;

/**
 * The sentence for a Node.js version Baton cannot run on, or null when it can.
 * @param {string} version e.g. "20.19.1" or "v20.19.1"
 * @returns {string | null}
 */
export function nodeVersionProblem(version) {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? NaN);
  if (major >= REQUIRED_NODE_MAJOR) return null;
  return `baton: this is Node.js ${version.replace(/^v/, "")}, and Baton needs Node.js ${REQUIRED_NODE_MAJOR} or newer (its SQLite driver crashes older ones); install Node.js ${REQUIRED_NODE_MAJOR} LTS from https://nodejs.org or with \`nvm install ${REQUIRED_NODE_MAJOR}\`, then run \`npm rebuild better-sqlite3\` and try again.`;
}

const problem = nodeVersionProblem(process.env.BATON_NODE_VERSION_CHECK_AS || process.versions.node);
if (problem) {
  console.error(problem);
  process.exit(1);
}
