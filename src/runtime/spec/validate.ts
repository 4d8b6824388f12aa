// validateSpec: the OCI JSON schema (compiled ahead of time, see scripts/gen-spec-validator.mjs)
// followed by the semantic checks the schema cannot express. Errors name the field.
import { SpecError } from './errors.js';
import { validate as schemaValidate } from './generated/config-validator.js';
import { checkProcess, checkSemantics } from './semantic.js';
import type { Process, Spec } from './types.js';

interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type SchemaValidator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
const validator = schemaValidate as unknown as SchemaValidator;

/** What an enum names, by its definition in defs-linux.json, for "unknown namespace" messages. */
const ENUM_NOUNS: Record<string, string> = {
  NamespaceType: 'namespace', RootfsPropagation: 'rootfs propagation', SeccompAction: 'seccomp action',
  SeccompArch: 'seccomp architecture', SeccompFlag: 'seccomp flag', SeccompOperators: 'seccomp operator',
  SchedulerPolicy: 'scheduler policy', SchedulerFlag: 'scheduler flag', PersonalityDomain: 'personality domain',
};

/** Validates a parsed config.json and returns it typed; throws SpecError naming the bad field. */
export function validateSpec(json: unknown): Spec {
  if (!validator(json)) throw schemaError(json, validator.errors ?? []);
  const spec = json as Spec;
  checkSemantics(spec);
  return spec;
}

/** Validates a process object on its own (`exec --process process.json`); fields are named
 *  `process.*` as in a config. */
export function validateProcess(json: unknown): Process {
  const wrapper = { ociVersion: '1.2.1', process: json };
  if (!validator(wrapper)) throw schemaError(wrapper, validator.errors ?? []);
  if (json === undefined) throw new SpecError('process', 'is required');
  checkProcess(json as Process);
  return json as Process;
}

/** "/process/args/0" -> "process.args[0]"; the root is called "config". */
export function fieldPath(instancePath: string): string {
  if (instancePath === '') return 'config';
  let out = '';
  for (const raw of instancePath.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function schemaError(json: unknown, errors: readonly SchemaError[]): SpecError {
  // With anyOf, ajv reports the branch errors before the summary: the deepest one is the useful one.
  const concrete = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'allOf');
  const pool = concrete.length > 0 ? concrete : errors;
  const best = pool.reduce((a, b) => (depth(b) > depth(a) ? b : a), pool[0]!);
  if (!best) return new SpecError('config', 'does not match the OCI runtime-spec schema');
  const field = fieldPath(best.instancePath);
  switch (best.keyword) {
    case 'required':
      return new SpecError(joinField(field, String(best.params.missingProperty)), 'is required');
    case 'type':
      return new SpecError(field, `must be ${article(String(best.params.type))}, got ${describe(valueAt(json, best.instancePath))}`);
    case 'enum': {
      const allowed = (best.params.allowedValues as unknown[]).map(String).join(', ');
      const def = /definitions\/(\w+)\/enum$/.exec(best.schemaPath)?.[1];
      const noun = (def && ENUM_NOUNS[def]) ?? 'value';
      return new SpecError(field, `unknown ${noun} ${JSON.stringify(valueAt(json, best.instancePath))} (expected one of: ${allowed})`);
    }
    default:
      return new SpecError(field, best.message ?? `fails schema rule ${best.keyword}`);
  }
}

function depth(e: SchemaError): number {
  return e.instancePath.split('/').length + (e.keyword === 'required' ? 1 : 0);
}

function joinField(parent: string, child: string): string {
  return parent === 'config' ? child : `${parent}.${child}`;
}

function valueAt(json: unknown, instancePath: string): unknown {
  let v: unknown = json;
  if (instancePath === '') return v;
  for (const part of instancePath.slice(1).split('/')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function article(type: string): string {
  if (type === 'array' || type === 'object' || type === 'integer') return `an ${type}`;
  return `a ${type}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
