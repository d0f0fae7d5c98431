/**
 * The device simulator's public surface: start a simulated instrument against a Baton
 * server and drive it from a test. See device.ts for the behaviour and docs/PROTOCOL.md
 * for the wire contract it follows.
 */
export { SimulatedDevice, startSimulatedDevice } from "./device.ts";
export type {
  SimulatedDeviceOptions, SimulatedDeviceEvents, SimulatedDeviceStats, ReceivedMessage, SentMessage, JobInfo, JobOutcome, RoomToDevicePayloads, WaitOptions,
} from "./deviceTypes.ts";
export { planWelcome, planStart, planCancel, type DeviceKnowledge, type WelcomeAction } from "./decisions.ts";
export { INSTRUMENTS, INSTRUMENT_NAMES, getInstrument, seededRandom, type Instrument, type InstrumentName, type JobPlan } from "./instruments.ts";
export { MatchmakeError, MatchmakeUnreachableError, matchmakeDevice, roomSocketUrl, type SeatReservation } from "./matchmake.ts";
export { JoinFailedError, JoinRejectedError } from "./connection.ts";
export { DEFAULT_BACKOFF, reconnectDelayMs, type BackoffPolicy } from "./backoff.ts";
export { DEFAULT_RESEND_POLICY, planRateLimited, planResendDue, type ResendPolicy, type ResendState } from "./resend.ts";
export { FrameCode, decodeFrame, encodeRoomData, encodeJoinAck, encodeLeave, toHex, type Frame, type DecodeResult } from "./framing.ts";
