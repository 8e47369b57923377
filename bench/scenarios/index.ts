import { checkCpu } from './check-cpu.js';
import { coldStart } from './cold-start.js';
import { consulWatch } from './consul-watch.js';
import { kubernetesBridge } from './kubernetes-bridge.js';
import { kubernetesWatch } from './kubernetes-watch.js';
import { logFloods } from './log-floods.js';
import { idleMemoryScenarios } from './memory.js';
import { orphanStorm } from './orphan-storm.js';
import { crashLoop, firstRestart } from './restart.js';
import { shutdown } from './shutdown.js';
import type { Scenario } from './types.js';

export const SCENARIOS: Scenario[] = [...idleMemoryScenarios, coldStart, firstRestart, crashLoop, checkCpu, consulWatch, shutdown, kubernetesBridge, kubernetesWatch, logFloods, orphanStorm];
