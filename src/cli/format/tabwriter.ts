// Go's text/tabwriter (the elastic-tabstop algorithm docker's tables go through): cells are
// tab-terminated, a column block is a run of consecutive lines having that column, its width is
// the widest cell + padding (at least minwidth). A line without tabs ends all blocks.

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
  padchar?: string;
  alignRight?: boolean;
}

/** docker's table settings: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
export const DOCKER_TABLE: TabwriterOptions = { minwidth: 10, padding: 3 };
/** docker's `tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)` used by `docker info`/`version`-like listings. */
export const DOCKER_WIDE: TabwriterOptions = { minwidth: 20, padding: 3 };

/** Display width of a cell as tabwriter counts it: runes. */
export function cellWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function tabwrite(text: string, opts: TabwriterOptions = DOCKER_TABLE): string {
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  if (text === '') return '';
  const out: string[] = [];
  // Segments between tab-less lines are formatted independently (Go flushes there).
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i === lines.length || lines[i]!.length === 1) {
      formatBlock(lines, start, i, [], opts, out);
      if (i < lines.length) out.push(lines[i]![0]!, '\n');
      start = i + 1;
    }
  }
  let s = out.join('');
  if (!endsWithNewline && s.endsWith('\n')) s = s.slice(0, -1);
  return s;
}

function pad(cell: string, width: number, opts: TabwriterOptions): string {
  const fill = (opts.padchar ?? ' ').repeat(Math.max(0, width - cellWidth(cell)));
  return opts.alignRight ? fill + cell : cell + fill;
}

function writeLines(lines: string[][], from: number, to: number, widths: number[], opts: TabwriterOptions, out: string[]): void {
  for (let i = from; i < to; i++) {
    const line = lines[i]!;
    line.forEach((cell, j) => {
      // The last cell of a line is not tab-terminated and takes no column width.
      out.push(j < widths.length && j < line.length - 1 ? pad(cell, widths[j]!, opts) : cell);
    });
    out.push('\n');
  }
}

function formatBlock(lines: string[][], line0: number, line1: number, widths: number[], opts: TabwriterOptions, out: string[]): void {
  const column = widths.length;
  let from = line0;
  for (let i = line0; i < line1; i++) {
    if (column >= lines[i]!.length - 1) continue;
    writeLines(lines, from, i, widths, opts, out);
    from = i;
    let width = opts.minwidth;
    for (; i < line1; i++) {
      const line = lines[i]!;
      if (column >= line.length - 1) break;
      width = Math.max(width, cellWidth(line[column]!) + opts.padding);
    }
    formatBlock(lines, from, i, [...widths, width], opts, out);
    from = i;
    i--; // the outer loop's i++ revisits the line that ended the block
  }
  writeLines(lines, from, line1, widths, opts, out);
}
