// Docker's hidden spellings of run/create flags, rewritten before parsing (main.ts needs only
// these at start, not the run flags and their parsers).
export const FLAG_ALIASES: Record<string, string> = { '--net': '--network', '--net-alias': '--network-alias', '--dns-opt': '--dns-option' };
