// Public surface of the OCI config layer: types, validation, defaults, compilation to a plan.
export type * from './types.js';
export { SpecError } from './errors.js';
export { validateSpec, validateProcess, fieldPath } from './validate.js';
export { compileSpec, compileExec, type CompileContext, type ExecContext } from './compile.js';
export { describeFailure, errnoName } from './describe.js';
export { type SeccompFilter, searchPath } from './process.js';
export { CAPABILITIES, CAP_LAST_CAP, capMask, capNames, capNumber } from './caps.js';
export { parseMountOptions, type ParsedMountOptions } from './mountopts.js';
export type { HostView, FileKind } from './host.js';
export * from './defaults.js';
