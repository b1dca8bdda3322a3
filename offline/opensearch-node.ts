import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures';

/**
 * A real OpenSearch 2.19 node (tools/opensearch-node, built from Maven Central by
 * `make opensearch-node`) on a free loopback port, for make test and make demo.
 */
export interface OpenSearchNode {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly pid: number;
  /** Milliseconds from spawning the JVM to the node answering HTTP. */
  readonly startMs: number;
  /** Stops the node by its process id and removes its data. */
  stop(): Promise<void>;
}

const NODE_DIR = join(REPO_ROOT, 'tools', 'opensearch-node', 'target');

export interface StartOptions {
  /** JVM heap; 384 MiB holds the test's and demo's indexes with room to spare. */
  readonly heapMiB?: number;
  /** How long a busy machine may take to start it. */
  readonly timeoutMs?: number;
}

export async function startOpenSearchNode(options: StartOptions = {}): Promise<OpenSearchNode> {
  const { heapMiB = 384, timeoutMs = 180_000 } = options;
  if (!existsSync(join(NODE_DIR, 'classes')) || !existsSync(join(NODE_DIR, 'lib')))
    throw new Error(`the OpenSearch node is not built (${NODE_DIR}): run make opensearch-node`);
  const home = mkdtempSync(join(tmpdir(), 'loglake-opensearch-'));
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const started = Date.now();
  const child = spawn(
    java,
    [
      `-Xms${heapMiB}m`,
      `-Xmx${heapMiB}m`,
      // Two cores: one GC thread and no JIT tiers beyond what a short run needs.
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      `${join(NODE_DIR, 'classes')}:${join(NODE_DIR, 'lib', '*')}`,
      'dev.loglake.opensearch.LocalNode',
      home,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const cleanUp = () => rmSync(home, { recursive: true, force: true });
  try {
    const address = await boundAddress(child, timeoutMs, () => stderr);
    const node: OpenSearchNode = {
      url: `http://${address}`,
      pid: child.pid as number,
      startMs: Date.now() - started,
      stop: async () => {
        await stopProcess(child);
        cleanUp();
      },
    };
    return node;
  } catch (error) {
    await stopProcess(child);
    cleanUp();
    throw error;
  }
}

/** Waits for the node's `http HOST:PORT` line (LocalNode prints it once it serves). */
function boundAddress(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => reject(new Error(`OpenSearch did not start within ${timeoutMs} ms: ${stderr().slice(-800)}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const match = /^http (\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`OpenSearch exited (${code}) before it served: ${stderr().slice(-800)}`));
    });
  });
}

/** SIGTERM (the node closes itself), then SIGKILL if it has not gone in 20 s. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
