/**
 * The simulated device's options, as the profile of its DeviceCore: what `hello` declares and
 * the machine's timings. The one place the simulator's defaults meet the machine.
 */
import { DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff.ts";
import type { DeviceProfile } from "./deviceCore.ts";
import type { SimulatedDeviceOptions } from "./deviceTypes.ts";
import type { Instrument } from "./instruments.ts";
import { JOB_GRACE_MS } from "./jobBudget.ts";
import { DEFAULT_RESEND_POLICY } from "./resend.ts";
import { telemetryModelOf } from "./instrumentTelemetry.ts";

/** The machine's profile from the simulator's options: what it declares and its timings. */
export function deviceProfile(options: SimulatedDeviceOptions, instrument: Instrument): DeviceProfile {
  const reconnect: BackoffPolicy = options.reconnect === false ? { ...DEFAULT_BACKOFF, maxAttempts: 0 } : { ...DEFAULT_BACKOFF, ...options.reconnect };
  return {
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5_000,
    jobGraceMs: JOB_GRACE_MS,
    reconnect,
    sessionTypes: options.sessionTypes ?? instrument.sessionTypes,
    firmware: options.firmware ?? instrument.firmware,
    resend: { ...DEFAULT_RESEND_POLICY, ...options.resendBackoff },
    ...(options.telemetryIntervalMs ? { telemetry: telemetryModelOf(instrument.name, Math.random).channels } : {}),
  };
}
