/**
 * What the load tool's worker processes report to the orchestrator: a stream of facts, each
 * as one simulated user or device saw it. The orchestrator's ledger (ledger.ts) turns them
 * into the counters it prints and into the two verdicts the run is judged by — lost
 * results and double grants. Facts only, no conclusions: a worker never decides that a
 * result was lost, because the device that ran it and the user who owns it may live in
 * different processes.
 */

/** A user saw itself as the holder of `deviceId` at `epoch` (state: session.ownerId is its id). */
export interface BeliefEvent { t: "belief"; userId: string; deviceId: string; epoch: number }
/** A user saw its own run in the state (session.runId while it holds the device). */
export interface RunStartedEvent { t: "runStarted"; userId: string; deviceId: string; epoch: number; runId: string }
/**
 * A user received the outcome of a run: `result`, or `run_failed` with its code.
 * `latencyUs` is from sending the claim/run to the outcome, when this connection sent it.
 */
export interface OutcomeEvent { t: "outcome"; userId: string; deviceId: string; runId: string; kind: "result" | "run_failed"; code?: string; latencyUs?: number }
/** A request was refused (`error` message) or gave no answer in time (`NO_OUTCOME`, `JOIN_FAILED`, …). */
export interface FailureEvent { t: "failure"; userId: string; deviceId: string; code: string; request: string }
/** A device got `ack` for a result it sent for (epoch, runId): the server has it stored. */
export interface DeviceAckEvent { t: "deviceAck"; deviceId: string; epoch: number; runId: string }
/** A user left (or lost) its room while a run of its was in flight; `forGood`: it will not come back. */
export interface AwayEvent { t: "away"; userId: string; deviceId: string; how: "left" | "dropped"; forGood: boolean }
/** A user came back: the SDK reconnected its dropped socket, or it rejoined the room after leaving. */
export interface BackEvent { t: "back"; userId: string; deviceId: string; how: "reconnected" | "rejoined" }
/** Found at the end in the owner's own `GET /results` (an owner who was away finds its result there). */
export interface RecoveredEvent { t: "recovered"; userId: string; deviceId: string; runId: string }

export type LoadEvent = BeliefEvent | RunStartedEvent | OutcomeEvent | FailureEvent | DeviceAckEvent | AwayEvent | BackEvent | RecoveredEvent;

/** Gauges a worker reports with every batch (current values, not increments). */
export interface WorkerGauges {
  usersConnected: number;
  devicesConnected: number;
}

// ---------------------------------------------------------------- IPC between cli.ts and worker.ts

export interface WorkerDevice {
  deviceId: string;
  secret: string;
  /** Which simulated instrument it is (what it declares in `hello`). */
  instrument: "scale" | "printer" | "lab";
}

export interface WorkerUser {
  userId: string;
  token: string;
}

export interface WorkerJob {
  workerIndex: number;
  url: string;
  users: WorkerUser[];
  devices: WorkerDevice[];
  /** Every device id of the run: users pick among all of them, wherever the device runs. */
  allDeviceIds: string[];
  behaviour: UserBehaviour;
  /** Divides the instruments' job and reset times. */
  deviceSpeed: number;
  /** Per job: the device loses its socket mid-job and reconnects (held results re-sent). */
  deviceDropRate: number;
  seed: number;
}

/** Probabilities and times of the simulated users (options.ts has the defaults and flags). */
export interface UserBehaviour {
  /** Share of sessions that are one-shot (claim + run + releaseOnComplete); the others are lab sessions. */
  oneShotShare: number;
  /** Runs in a lab session: 1..maxRunsPerSession. */
  maxRunsPerSession: number;
  /** Per run: the owner's socket drops mid-run and the SDK reconnects it. */
  dropRate: number;
  /** Per run: the owner leaves the room mid-run; half of them rejoin later, the others never come back. */
  leaveRate: number;
  /** How long a user watches before trying to claim, ms (uniform 0..watchMs). */
  watchMs: number;
  /** Longest wait for a run's outcome before it counts as NO_OUTCOME, ms. */
  outcomeTimeoutMs: number;
}

export type ToWorker = { cmd: "start"; job: WorkerJob } | { cmd: "drain" } | { cmd: "stop" };
export type FromWorker =
  | { type: "ready"; workerIndex: number }
  | { type: "events"; workerIndex: number; events: LoadEvent[]; gauges: WorkerGauges }
  | { type: "drained"; workerIndex: number }
  | { type: "done"; workerIndex: number }
  | { type: "fatal"; workerIndex: number; error: string };
