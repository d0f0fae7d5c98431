/** Types of scripts/check-node.mjs, for the tests that call its check with a version string. */
export declare const REQUIRED_NODE_MAJOR: number;
export declare function nodeVersionProblem(version: string): string | null;
