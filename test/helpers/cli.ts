// The built `berth` CLI as a child process, with the environment given.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './berth.js';

export interface CliResult { code: number; stdout: string; stderr: string }

export const BIN = path.join(ROOT, 'dist/main/index.js');

export function runBerthCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BERTH_DATA_DIR: '/nonexistent/berth-test-no-install', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}
