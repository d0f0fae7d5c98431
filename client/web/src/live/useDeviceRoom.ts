/**
 * React state for one watched device: its live snapshot, the connection, and what the room
 * told this user (refusals, results, failures, the end of their session). Commands clear the
 * previous refusal so an old sentence never stands next to a new attempt.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import type { ResultMessage, RunFailedMessage, SessionEndedMessage } from "@baton/protocol/messages";
import { openDeviceRoom, type ConnectionState, type DeviceRoomHandle } from "./deviceRoom.ts";
import type { LiveDevice } from "./snapshot.ts";

export interface Notice {
  code: string;
  message: string;
  request: string;
}

export interface DeviceRoomView {
  live: LiveDevice | null;
  connection: ConnectionState;
  /** Why the connection is not live, in a sentence. */
  connectionSentence: string | null;
  notice: Notice | null;
  result: ResultMessage | null;
  failure: RunFailedMessage | null;
  ending: SessionEndedMessage | null;
  claim(options?: { sessionType?: string; input?: Record<string, unknown>; releaseOnComplete?: boolean }): void;
  run(sessionType: string, input: Record<string, unknown>): void;
  cancel(): void;
  release(): void;
  dismissNotice(): void;
}

export function useDeviceRoom(deviceId: string, token: string): DeviceRoomView {
  const [live, setLive] = useState<LiveDevice | null>(null);
  const [connection, setConnection] = useState<{ state: ConnectionState; sentence: string | null }>({ state: "connecting", sentence: null });
  const [notice, setNotice] = useState<Notice | null>(null);
  const [result, setResult] = useState<ResultMessage | null>(null);
  const [failure, setFailure] = useState<RunFailedMessage | null>(null);
  const [ending, setEnding] = useState<SessionEndedMessage | null>(null);
  const handle = useRef<DeviceRoomHandle | null>(null);

  useEffect(() => {
    setLive(null);
    setNotice(null);
    setResult(null);
    setFailure(null);
    setEnding(null);
    const room = openDeviceRoom(deviceId, token, {
      state: setLive,
      connection: (state, sentence) => setConnection({ state, sentence: sentence ?? null }),
      error: (error) => setNotice({ code: error.code, message: error.message, request: error.request }),
      result: (message) => {
        setResult(message);
        setFailure(null);
      },
      runFailed: setFailure,
      sessionEnded: setEnding,
    });
    handle.current = room;
    return () => {
      handle.current = null;
      room.leave();
    };
  }, [deviceId, token]);

  const commands = useMemo(() => {
    const fresh = () => {
      setNotice(null);
      setEnding(null);
    };
    return {
      claim(options?: { sessionType?: string; input?: Record<string, unknown>; releaseOnComplete?: boolean }) {
        fresh();
        if (options?.sessionType) {
          setResult(null);
          setFailure(null);
        }
        handle.current?.claim(options);
      },
      run(sessionType: string, input: Record<string, unknown>) {
        fresh();
        setResult(null);
        setFailure(null);
        handle.current?.run(sessionType, input);
      },
      cancel() {
        fresh();
        handle.current?.cancel();
      },
      release() {
        fresh();
        handle.current?.release();
      },
      dismissNotice: () => setNotice(null),
    };
  }, []);

  return { live, connection: connection.state, connectionSentence: connection.sentence, notice, result, failure, ending, ...commands };
}
