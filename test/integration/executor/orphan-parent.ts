// Child process used by lifecycle.test: spawns a container with a status file, prints the pids,
// then idles until killed, so the test can check the monitor outlives its Node parent.
import { spawnExecutor } from '../../../src/runtime/executor/index.js';
import type { ExecutorPlan } from '../../../src/runtime/ops.js';

const [planJson, statusFile] = process.argv.slice(2);
const h = await spawnExecutor(JSON.parse(planJson) as ExecutorPlan, { stdio: 'ignore', statusFile });
await h.started;
process.stdout.write(`${h.pid} ${h.monitorPid}\n`);
setInterval(() => {}, 1 << 30);
