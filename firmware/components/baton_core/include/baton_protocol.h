/**
 * @file baton_protocol.h
 * @brief Baton protocol v1 names and codes, mirrored from shared/protocol.ts.
 *
 * shared/protocol.ts is the source of truth. Every `export const Obj = { KEY: value }`
 * there appears here as `BATON_<OBJ_IN_SCREAMING_SNAKE>_<KEY>` with the same value (a
 * leading "Baton" in the object name is not repeated: BatonCloseCode -> BATON_CLOSE_CODE_*), so
 * test/e2e/protocolHeader.test.ts (vitest) can import shared/protocol.ts, read this file, and
 * fail on any drift either way. Do not rename by hand;
 * change shared/protocol.ts first, then this file.
 */
#ifndef BATON_PROTOCOL_H
#define BATON_PROTOCOL_H

/* PROTOCOL_VERSION, DEVICE_ROOM_NAME */
#define BATON_PROTOCOL_VERSION 1
#define BATON_DEVICE_ROOM_NAME "device"

/* Pools (users only; listed so the names cannot drift): POOL_ROOM_NAME, UserToPool, PoolToUser, PoolExitReason. */
#define BATON_POOL_ROOM_NAME "pool"
#define BATON_USER_TO_POOL_CLAIM_ANY "claim_any"
#define BATON_USER_TO_POOL_LEAVE_POOL "leave_pool"
#define BATON_POOL_TO_USER_ERROR "error"
#define BATON_POOL_TO_USER_POOL_STATUS "pool_status"
#define BATON_POOL_TO_USER_GRANTED "granted"
#define BATON_POOL_TO_USER_POOL_LEFT "pool_left"
#define BATON_POOL_EXIT_REASON_LEFT "left"
#define BATON_POOL_EXIT_REASON_DISCONNECTED "disconnected"
#define BATON_POOL_EXIT_REASON_REFUSED "refused"
#define BATON_POOL_EXIT_REASON_NO_DEVICES "no_devices"

/* UserToRoom: messages a user sends to the device room (the device never sends these). */
#define BATON_USER_TO_ROOM_CLAIM "claim"
#define BATON_USER_TO_ROOM_RUN "run"
#define BATON_USER_TO_ROOM_CANCEL "cancel"
#define BATON_USER_TO_ROOM_RELEASE "release"
#define BATON_USER_TO_ROOM_ENQUEUE "enqueue"
#define BATON_USER_TO_ROOM_LEAVE_QUEUE "leave_queue"
#define BATON_USER_TO_ROOM_ACCEPT "accept"
#define BATON_USER_TO_ROOM_DECLINE "decline"
#define BATON_USER_TO_ROOM_EXTEND "extend"
#define BATON_USER_TO_ROOM_RESULT_ACK "result_ack"
#define BATON_USER_TO_ROOM_HAND_OVER "hand_over"
#define BATON_USER_TO_ROOM_WITHDRAW_HAND_OVER "withdraw_hand_over"
#define BATON_USER_TO_ROOM_ACCEPT_HAND_OVER "accept_hand_over"
#define BATON_USER_TO_ROOM_DECLINE_HAND_OVER "decline_hand_over"

/* RoomToUser: messages the room sends to users. */
#define BATON_ROOM_TO_USER_OK "ok"
#define BATON_ROOM_TO_USER_ERROR "error"
#define BATON_ROOM_TO_USER_RESULT "result"
#define BATON_ROOM_TO_USER_RUN_FAILED "run_failed"
#define BATON_ROOM_TO_USER_SESSION_ENDED "session_ended"
#define BATON_ROOM_TO_USER_OFFER "offer"
#define BATON_ROOM_TO_USER_QUEUE_LEFT "queue_left"
#define BATON_ROOM_TO_USER_SESSION_EXPIRING "session_expiring"
#define BATON_ROOM_TO_USER_SESSION_EXTENDED "session_extended"
#define BATON_ROOM_TO_USER_HAND_OVER_OFFERED "hand_over_offered"
#define BATON_ROOM_TO_USER_HAND_OVER_ENDED "hand_over_ended"
#define BATON_ROOM_TO_USER_TELEMETRY_RECENT "telemetry_recent"

/* DeviceToRoom: what this firmware sends. */
#define BATON_DEVICE_TO_ROOM_HELLO "hello"
#define BATON_DEVICE_TO_ROOM_ACCEPTED "accepted"
#define BATON_DEVICE_TO_ROOM_PROGRESS "progress"
#define BATON_DEVICE_TO_ROOM_RESULT "result"
#define BATON_DEVICE_TO_ROOM_FAILED "failed"
#define BATON_DEVICE_TO_ROOM_READY "ready"
#define BATON_DEVICE_TO_ROOM_HEARTBEAT "heartbeat"
#define BATON_DEVICE_TO_ROOM_TELEMETRY "telemetry"

/* RoomToDevice: what this firmware receives. */
#define BATON_ROOM_TO_DEVICE_WELCOME "welcome"
#define BATON_ROOM_TO_DEVICE_START "start"
#define BATON_ROOM_TO_DEVICE_CANCEL "cancel"
#define BATON_ROOM_TO_DEVICE_ACK "ack"
#define BATON_ROOM_TO_DEVICE_ERROR "error"
#define BATON_ROOM_TO_DEVICE_UPDATE "update"

/* JoinRole: the `role` join option. */
#define BATON_JOIN_ROLE_USER "user"
#define BATON_JOIN_ROLE_DEVICE "device"

/* Phase: session phases (welcome.phase). */
#define BATON_PHASE_IDLE "idle"
#define BATON_PHASE_CLAIMED "claimed"
#define BATON_PHASE_RUNNING "running"
#define BATON_PHASE_COMPLETED "completed"
#define BATON_PHASE_FAILED "failed"

/* EndReason: why a session ended (informational on the device). */
#define BATON_END_REASON_RELEASED "released"
#define BATON_END_REASON_COMPLETED "completed"
#define BATON_END_REASON_OWNER_LOST "owner_lost"
#define BATON_END_REASON_IDLE_TIMEOUT "idle_timeout"
#define BATON_END_REASON_MAX_DURATION "max_duration"
#define BATON_END_REASON_DEVICE_LOST "device_lost"
#define BATON_END_REASON_RUN_FAILED "run_failed"
#define BATON_END_REASON_CANCELLED "cancelled"
#define BATON_END_REASON_KICKED "kicked"
#define BATON_END_REASON_HANDED_OVER "handed_over"

/* DeviceConnection: the device's connection state as spectators see it. */
#define BATON_DEVICE_CONNECTION_UNKNOWN "unknown"
#define BATON_DEVICE_CONNECTION_CONNECTING "connecting"
#define BATON_DEVICE_CONNECTION_IDLE "idle"
#define BATON_DEVICE_CONNECTION_ACTIVE "active"
#define BATON_DEVICE_CONNECTION_DISCONNECTED "disconnected"
#define BATON_DEVICE_CONNECTION_ERROR "error"

/* DeviceAvailability: whether the device may be granted to anyone new (informational on the device). */
#define BATON_DEVICE_AVAILABILITY_AVAILABLE "available"
#define BATON_DEVICE_AVAILABILITY_DRAINED "drained"
#define BATON_DEVICE_AVAILABILITY_QUARANTINED "quarantined"
#define BATON_DEVICE_AVAILABILITY_MAINTENANCE "maintenance"

/* QueueExitReason: why a user left a device's line (users only; listed so the names cannot drift). */
#define BATON_QUEUE_EXIT_REASON_ACCEPTED "accepted"
#define BATON_QUEUE_EXIT_REASON_DECLINED "declined"
#define BATON_QUEUE_EXIT_REASON_OFFER_EXPIRED "offer_expired"
#define BATON_QUEUE_EXIT_REASON_LEFT "left"
#define BATON_QUEUE_EXIT_REASON_DISCONNECTED "disconnected"
#define BATON_QUEUE_EXIT_REASON_DEVICE_UNAVAILABLE "device_unavailable"
#define BATON_HAND_OVER_END_REASON_ACCEPTED "accepted"
#define BATON_HAND_OVER_END_REASON_DECLINED "declined"
#define BATON_HAND_OVER_END_REASON_WITHDRAWN "withdrawn"
#define BATON_HAND_OVER_END_REASON_EXPIRED "expired"
#define BATON_HAND_OVER_END_REASON_CANCELLED "cancelled"

/* ErrorCode: stable error codes (docs/ERRORS.md explains each). */
#define BATON_ERROR_CODE_UNAUTHORIZED "UNAUTHORIZED"
#define BATON_ERROR_CODE_UNKNOWN_DEVICE "UNKNOWN_DEVICE"
#define BATON_ERROR_CODE_DEVICE_ALREADY_CONNECTED "DEVICE_ALREADY_CONNECTED"
#define BATON_ERROR_CODE_ROOM_FULL "ROOM_FULL"
#define BATON_ERROR_CODE_METHOD_NOT_ALLOWED "METHOD_NOT_ALLOWED"
#define BATON_ERROR_CODE_WRONG_ROOM "WRONG_ROOM"
#define BATON_ERROR_CODE_DEVICE_ROOM_EXISTS "DEVICE_ROOM_EXISTS"
#define BATON_ERROR_CODE_SERVER_BUSY "SERVER_BUSY"
#define BATON_ERROR_CODE_DEVICE_BUSY "DEVICE_BUSY"
#define BATON_ERROR_CODE_ALREADY_HOLDER "ALREADY_HOLDER"
#define BATON_ERROR_CODE_NOT_OWNER "NOT_OWNER"
#define BATON_ERROR_CODE_NO_RUN "NO_RUN"
#define BATON_ERROR_CODE_RUN_IN_PROGRESS "RUN_IN_PROGRESS"
#define BATON_ERROR_CODE_DEVICE_OFFLINE "DEVICE_OFFLINE"
#define BATON_ERROR_CODE_DEVICE_DISABLED "DEVICE_DISABLED"
#define BATON_ERROR_CODE_UNKNOWN_SESSION_TYPE "UNKNOWN_SESSION_TYPE"
#define BATON_ERROR_CODE_INVALID_INPUT "INVALID_INPUT"
#define BATON_ERROR_CODE_INVALID_MESSAGE "INVALID_MESSAGE"
#define BATON_ERROR_CODE_UNKNOWN_MESSAGE "UNKNOWN_MESSAGE"
#define BATON_ERROR_CODE_FORBIDDEN_MESSAGE "FORBIDDEN_MESSAGE"
#define BATON_ERROR_CODE_RATE_LIMITED "RATE_LIMITED"
#define BATON_ERROR_CODE_STALE_EPOCH "STALE_EPOCH"
#define BATON_ERROR_CODE_UNKNOWN_RUN "UNKNOWN_RUN"
#define BATON_ERROR_CODE_INVALID_CAPABILITIES "INVALID_CAPABILITIES"
#define BATON_ERROR_CODE_PAYLOAD_TOO_LARGE "PAYLOAD_TOO_LARGE"
#define BATON_ERROR_CODE_INTERNAL_ERROR "INTERNAL_ERROR"
#define BATON_ERROR_CODE_FORBIDDEN "FORBIDDEN"
#define BATON_ERROR_CODE_NOT_FOUND "NOT_FOUND"
#define BATON_ERROR_CODE_DEVICE_EXISTS "DEVICE_EXISTS"
#define BATON_ERROR_CODE_QUEUE_FULL "QUEUE_FULL"
#define BATON_ERROR_CODE_ALREADY_QUEUED "ALREADY_QUEUED"
#define BATON_ERROR_CODE_NOT_QUEUED "NOT_QUEUED"
#define BATON_ERROR_CODE_NO_OFFER "NO_OFFER"
#define BATON_ERROR_CODE_HANDOFF_PENDING "HANDOFF_PENDING"
#define BATON_ERROR_CODE_DEVICE_NOT_READY "DEVICE_NOT_READY"
#define BATON_ERROR_CODE_DEVICE_UNAVAILABLE "DEVICE_UNAVAILABLE"
#define BATON_ERROR_CODE_DEVICE_DISABLED "DEVICE_DISABLED"
#define BATON_ERROR_CODE_EXTENSION_REFUSED "EXTENSION_REFUSED"
#define BATON_ERROR_CODE_USER_DEVICE_LIMIT "USER_DEVICE_LIMIT"
#define BATON_ERROR_CODE_USER_QUEUE_LIMIT "USER_QUEUE_LIMIT"
#define BATON_ERROR_CODE_DAILY_QUOTA_EXHAUSTED "DAILY_QUOTA_EXHAUSTED"
#define BATON_ERROR_CODE_HAND_OVER_REFUSED "HAND_OVER_REFUSED"
#define BATON_ERROR_CODE_NO_HAND_OVER "NO_HAND_OVER"
#define BATON_ERROR_CODE_UNKNOWN_POOL "UNKNOWN_POOL"
#define BATON_ERROR_CODE_POOL_ROOM_EXISTS "POOL_ROOM_EXISTS"
#define BATON_ERROR_CODE_RUN_TIMEOUT "RUN_TIMEOUT"
#define BATON_ERROR_CODE_CANCELLED "CANCELLED"
#define BATON_ERROR_CODE_DEVICE_FAILED "DEVICE_FAILED"
#define BATON_ERROR_CODE_NOTHING_TO_MEASURE "NOTHING_TO_MEASURE"
#define BATON_ERROR_CODE_INSTRUMENT_FAULT "INSTRUMENT_FAULT"

/* BatonCloseCode: WebSocket close codes the server uses to end a device connection. */
#define BATON_CLOSE_CODE_DEVICE_REPLACED 4101
#define BATON_CLOSE_CODE_DEVICE_REVOKED 4102
#define BATON_CLOSE_CODE_DEVICE_SILENT 4103
#define BATON_CLOSE_CODE_SLOW_CONSUMER 4104

#endif /* BATON_PROTOCOL_H */
