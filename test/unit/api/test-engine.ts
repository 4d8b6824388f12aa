// A minimal ApiEngine for API tests.
import type { ApiEngine } from '../../../src/api/engine.js';
import { EventBus } from '../../../src/engine/events.js';

export function testEngine(): ApiEngine {
  return {
    events: new EventBus(),
    settings: {
      id: 'test-id', name: 'testhost', version: '9.9.9', dataRoot: '/tmp/none', execRoot: '/tmp/none-exec',
      debug: false, experimental: false, loggingDriver: 'json-file', labels: [], defaultRuntime: 'wharf',
      runtimes: { wharf: { path: 'wharf-exec' } }, initBinary: 'wharf-init',
    },
    info: { containers: () => ({ total: 3, running: 1, paused: 1, stopped: 1 }), images: async () => 7 },
  };
}
