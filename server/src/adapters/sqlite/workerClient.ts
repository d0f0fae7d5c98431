/**
 * The main thread's side of the SQLite worker (sqliteWorker.ts): starts it, posts requests,
 * settles each one's promise with the reply — errors rebuilt with their class and code
 * (workerErrors.ts) — and stops it.
 *
 * The worker keeps the process alive only while a request is in flight: an idle store never
 * holds the process open (the CLI exits after its last command), and a request awaited with
 * nothing else scheduled is not cut short by the process exiting.
 *
 * The worker is a TypeScript file when the server runs from source (tsx, vitest) and
 * JavaScript in the build (dist/server). From source it runs on Node's own type stripping
 * when this Node has it (22.18+; the worker's files use erasable syntax only, and it imports
 * no workspace package) — much quicker to start than tsx — and on tsx's loader otherwise.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { WorkerOptions, WorkerRequest } from "./sqliteWorker.ts";
import { fromWire, type WireError } from "./workerErrors.ts";

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };
type Request = WorkerRequest extends infer R ? R extends { id: number } ? Omit<R, "id"> : never : never;

const FROM_SOURCE = import.meta.url.endsWith(".ts");

function workerUrl(): URL {
  return new URL(FROM_SOURCE ? "./sqliteWorker.ts" : "./sqliteWorker.js", import.meta.url);
}

function workerExecArgv(): string[] {
  if (!FROM_SOURCE) return process.execArgv;
  if ((process.features as { typescript?: string }).typescript) return [];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return ["--import", tsx];
}

export class SqliteWorkerClient {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private nextId = 1;
  private stopped: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (reply: Reply) => this.settle(reply));
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => this.fail(new Error(`the SQLite worker thread exited (code ${code})`)));
    worker.unref();
  }

  /** Starts the worker on `file` and resolves once it has opened the database. */
  static start(options: WorkerOptions): Promise<SqliteWorkerClient> {
    const worker = new Worker(workerUrl(), { workerData: options, execArgv: workerExecArgv() });
    return new Promise((resolve, reject) => {
      const failed = (error: unknown) => reject(error);
      const exited = (code: number) => reject(new Error(`the SQLite worker thread exited (code ${code}) before it opened ${options.file}`));
      worker.once("error", failed);
      worker.once("exit", exited);
      worker.once("message", (message: { ready: boolean; error?: WireError }) => {
        worker.off("error", failed);
        worker.off("exit", exited);
        if (message.ready) resolve(new SqliteWorkerClient(worker));
        else {
          reject(fromWire(message.error!));
          void worker.terminate();
        }
      });
    });
  }

  /** Posts a request; resolves with the worker's value or rejects with its error. */
  request<T>(request: Request): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.worker.postMessage({ ...request, id });
      } catch (error) {
        // Not cloneable (a caller's bug): this request fails, the worker goes on.
        this.pending.delete(id);
        if (this.pending.size === 0) this.worker.unref();
        reject(error);
      }
    });
  }

  /** Closes the database after every request posted before, then stops the thread. */
  async close(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.request({ op: "close" });
    } finally {
      this.stopped = new Error("the SQLite store is closed");
      await this.worker.terminate();
    }
  }

  private settle(reply: Reply) {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(fromWire(reply.error));
  }

  private fail(error: Error) {
    this.stopped ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
