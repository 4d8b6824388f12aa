// Client of native/wharf-exec: plan encoding, spawning, device programs, status files.
export { encodePlan, encodeResize, encodeStart, encodeContinue, encodeKill, type PlanHeader } from './encode.js';
export { spawnExecutor, type ExecutorHandle, type SpawnExecutorOptions, type StdioSpec } from './spawn.js';
export { ExecutorError, errnoName, type ErrorPhase } from './errors.js';
export { executorPath } from './path.js';
export { ExecutorSpawner, requestMonitor, discardMonitor, type MonitorProcess, type SpawnerStdio } from './spawner.js';
export { loadDeviceProgram } from './bpf.js';
export { readStatusFile, signalName, type ExitStatus, type StatusFile } from './status.js';
export { OPCODES, parseMessage, type ExecutorMessage } from './protocol.js';
