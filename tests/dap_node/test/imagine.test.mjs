// Drives `cwm-lsp dap` in imagine mode with the real default model through
// @vscode/debugadapter-testsupport's DebugClient: launch, step, stepBack,
// variables, disconnect.  One adapter (one model load) for the whole file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import testsupport from '@vscode/debugadapter-testsupport';

const { DebugClient } = testsupport;
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const venvPython = path.join(repo, '.venv', 'bin', 'python');
const python = process.env.CWM_PYTHON || (fs.existsSync(venvPython) ? venvPython : 'python3');
const wrapper = path.resolve(here, '..', 'run-adapter.py');
const STEP_MS = 600_000; // the model runs on CPU; CI machines are slow

const SOURCE = [
  'def total(n):',
  '    acc = 0',
  '    for i in range(n):',
  '        acc += i',
  '    return acc',
  '',
].join('\n');

async function top(dc) {
  const response = await dc.stackTraceRequest({ threadId: 1 });
  return response.body.stackFrames[0];
}

async function locals(dc) {
  const frame = await top(dc);
  const scopes = await dc.scopesRequest({ frameId: frame.id });
  const ref = scopes.body.scopes.find((s) => s.name === 'Locals').variablesReference;
  const response = await dc.variablesRequest({ variablesReference: ref });
  return Object.fromEntries(response.body.variables.map((v) => [v.name, v]));
}

describe('cwm-lsp dap, imagine mode, driven by DebugClient', { timeout: 1_800_000 }, () => {
  let dc;
  let program;
  let disconnected = false;

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwm-dap-node-'));
    program = path.join(dir, 'total.py');
    fs.writeFileSync(program, SOURCE);
    dc = new DebugClient(python, wrapper, 'cwm', { cwd: repo, stdio: 'pipe' });
    dc.defaultTimeout = STEP_MS;
    await dc.start();
  });

  after(async () => {
    // DebugClient.stop() sends disconnect and waits for the answer: only while the adapter runs.
    if (dc && !disconnected) await dc.stop();
  });

  it('launches and stops on entry at the def line', async () => {
    const stopped = dc.waitForEvent('stopped', STEP_MS);
    await Promise.all([
      dc.configurationSequence(),
      dc.launch({ type: 'cwm', request: 'launch', program, function: 'total', args: '(3,)', maxFrames: 10 }),
    ]);
    const event = await stopped;
    assert.equal(event.body.reason, 'entry');
    assert.equal((await top(dc)).line, 1);
  });

  it('shows the arguments as variables', async () => {
    const variables = await locals(dc);
    assert.equal(variables.n.value.split(' ')[0], '3');
  });

  it('steps to the next imagined line', async () => {
    const stopped = dc.waitForEvent('stopped', STEP_MS);
    await dc.stepInRequest({ threadId: 1 });
    assert.equal((await stopped).body.reason, 'step');
    assert.equal((await top(dc)).line, 2);
    const stopped2 = dc.waitForEvent('stopped', STEP_MS);
    await dc.nextRequest({ threadId: 1 });
    await stopped2;
    assert.equal((await top(dc)).line, 3);
    assert.match((await locals(dc)).acc.value, /^0 {2}\(p=[0-9.]+\)$/);
  });

  it('steps back to the previous frame', async () => {
    const stopped = dc.waitForEvent('stopped', STEP_MS);
    await dc.stepBackRequest({ threadId: 1 });
    await stopped;
    assert.equal((await top(dc)).line, 2);
    assert.equal((await locals(dc)).acc, undefined);
  });

  it('disconnects', async () => {
    const exited = new Promise((resolve) => dc._adapterProcess.once('exit', resolve));
    const response = await dc.disconnectRequest({});
    disconnected = true;
    assert.equal(response.success, true);
    assert.equal(await exited, 0, 'the adapter exits after disconnect');
  });
});
