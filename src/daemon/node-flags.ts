// Node flags wharfd runs with (also in main.ts's shebang, which cannot import): a 1 MB young
// generation keeps the long-running daemon lean (heap ~22 MB instead of ~37 MB at idle) at the
// cost of more frequent, cheap scavenges. Whoever starts wharfd with `node` passes these.
export const WHARFD_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
