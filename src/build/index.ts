/**
 * build: Dockerfile builds (Docker's legacy builder semantics) on the image store, the runtime
 * and storage. The API serves it as POST /build; the CLI sends a context made by createContextTar.
 */
export { Builder, type BuildOptions, type BuildResult, type BuilderOptions } from './builder.js';
export { MessageProgress, errorMessage, type BuildMessage, type Progress } from './output.js';
export { createContextTar, type ContextTar, type ContextTarOptions } from './context-tar.js';
export { BuildError, DockerfileError } from './dockerfile/errors.js';
export { parseDockerfile, type ParsedDockerfile, type RawInstruction } from './dockerfile/parse.js';
export { typedInstructions, parseInstruction, type Instruction } from './dockerfile/instructions.js';
