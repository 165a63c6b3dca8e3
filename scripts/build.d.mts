// Types of scripts/build.mjs for the TypeScript that imports it (test/support/cli.ts).
export declare function staleCliInput(): string | undefined
export declare function buildCli(): Promise<void>
