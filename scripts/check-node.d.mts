/** Types of scripts/check-node.mjs (imported first by the server's entry point). */
export declare const REQUIRED_NODE_MAJOR: number;
export declare function nodeVersionProblem(version: string): string | null;
