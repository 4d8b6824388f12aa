// docker's formatter.Context: a --format string ("table ...", "json", or a plain template) is run
// once per row; tables get a header row (the template run on field → column-name map, with the
// formatting functions as identities) and go through the tabwriter with docker's settings.
import { tabwrite, DOCKER_TABLE } from './tabwriter.js';
import { Template } from './template.js';
import { HEADER_FUNCS, type StrictFields } from './template-values.js';

/** A row whose zero-argument methods are its fields; {{json .}} marshals all of them. */
export abstract class FormatRow implements StrictFields {
  abstract readonly typeName: string;
  /** Names of the methods {{json .}} includes. */
  protected abstract fieldNames(): string[];

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const self = this as unknown as Record<string, () => unknown>;
    for (const f of [...this.fieldNames()].sort()) out[f] = self[f]!.call(this);
    return out;
  }
}

export function isTableFormat(format: string): boolean {
  return format.startsWith('table');
}

/** The template text docker runs: "table" stripped, spaces trimmed, literal \t and \n unescaped. */
export function templateText(format: string): string {
  let f = format;
  if (isTableFormat(f)) f = f.slice('table'.length);
  else if (f === 'json') f = '{{json .}}';
  return f.trim().replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/**
 * Renders rows with a --format. `header` maps field names to column titles; a field method with
 * arguments (like Label) is given as a function so `{{.Label "k"}}` works in headers too.
 */
export function renderFormat(format: string, rows: readonly unknown[], header: Record<string, string | ((...a: unknown[]) => string)>): string {
  const tmpl = new Template(templateText(format));
  let body = '';
  for (const row of rows) body += `${tmpl.execute(row)}\n`;
  if (!isTableFormat(format)) return body;
  const head = tmpl.withFuncs(HEADER_FUNCS).execute(header);
  return tabwrite(`${head}\n${body}`, DOCKER_TABLE);
}

/** Runs a template as given on one value (inspect -f, version/info --format): output + "\n". */
export function renderOne(format: string, value: unknown): string {
  return `${new Template(format === 'json' ? '{{json .}}' : format).execute(value)}\n`;
}
