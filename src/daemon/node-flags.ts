// How wharfd's node runs (also in main.ts's shebang, which cannot import). Whoever starts wharfd
// with `node` passes these flags and this environment. All three keep the long-running daemon lean:
// - a 1 MB young generation (heap ~22 MB instead of ~37 MB at idle), at the cost of more frequent,
//   cheap scavenges;
// - one V8 worker thread instead of one per core;
// - at most two malloc arenas: each thread that allocates (libuv's pool, V8's workers) otherwise
//   gets its own, and their partly used pages added ~3 MB of RSS with 50 containers running.
export const WHARFD_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];
export const WHARFD_NODE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
