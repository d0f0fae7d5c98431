/**
 * A device's week of booked slots (docs/BOOKINGS.md), on its page: every slot of the week with
 * the booker's name (one's own marked "You"), a form to book one, a cancel button on one's own
 * slots that have not started, and — while one's own slot is in its check-in window — the
 * check-in (a claim: the device comes ahead of the line). Others' slots show a name only; the
 * API never sends their user ids.
 */
import { useState, type FormEvent } from "react";
import type { BookingRecord, DeviceBookings } from "@baton/client";
import { useBatonClient } from "@baton/client/react";
import { usePolled } from "../admin/usePolled.ts";
import { sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import type { DeviceActions } from "../live/useDeviceActions.ts";

const DAY_MS = 86_400_000;
const LENGTHS = [15, 30, 60, 90, 120];

/** Monday 00:00 of the week holding `at`, in the viewer's time zone. */
export function weekStart(at: number): number {
  const day = new Date(at);
  day.setHours(0, 0, 0, 0);
  day.setDate(day.getDate() - ((day.getDay() + 6) % 7));
  return day.getTime();
}

const pad = (n: number) => String(n).padStart(2, "0");
const dateValue = (at: number) => { const d = new Date(at); return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; };
const timeValue = (at: number) => { const d = new Date(at); return `${pad(d.getHours())}:${pad(d.getMinutes())}`; };
const clock = (at: number) => new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const dayName = (at: number) => new Date(at).toLocaleDateString([], { weekday: "long", day: "numeric", month: "short" });

const STATUS_WORDS: Record<BookingRecord["status"], string> = { booked: "booked", checked_in: "checked in", no_show: "missed", cancelled: "cancelled" };

interface Props {
  deviceId: string;
  actions: DeviceActions;
  /** This user holds the device now. */
  isMine: boolean;
  now: number;
}

export function BookingsPanel({ deviceId, actions, isMine, now }: Props) {
  const client = useBatonClient();
  const [week, setWeek] = useState(() => weekStart(now));
  const [day, setDay] = useState(() => dateValue(now));
  const [time, setTime] = useState(() => timeValue(now));
  const [minutes, setMinutes] = useState(30);
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const polled = usePolled<DeviceBookings>((signal) => client.bookings.forDevice(deviceId, { from: week, to: week + 7 * DAY_MS }, { signal }), [client, deviceId, week], 5_000);
  const data = polled.data;
  const checkInWindow = data?.rules.checkInWindowMs ?? 0;
  const toCheckIn = data?.bookings.find((booking) => booking.mine && booking.status === "booked" && booking.start <= now && now < Math.min(booking.end, booking.start + checkInWindow));

  async function act(work: () => Promise<unknown>) {
    setBusy(true);
    setProblem(null);
    try {
      await work();
      polled.reload();
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  }

  function book(event: FormEvent) {
    event.preventDefault();
    const start = new Date(`${day}T${time}`).getTime();
    if (!Number.isFinite(start)) return setProblem(new Error("Choose a day and a start time."));
    void act(() => client.bookings.book(deviceId, { start, end: start + minutes * 60_000 }));
  }

  const days = Array.from({ length: 7 }, (_, index) => week + index * DAY_MS);
  return (
    <section className="card bookings" aria-labelledby="bookings-heading">
      <h2 id="bookings-heading">Bookings</h2>
      {toCheckIn && !isMine && (
        <div className="offer" data-testid="check-in">
          <p role="alert">Your booked slot started at {clock(toCheckIn.start)}. Check in by {clock(Math.min(toCheckIn.end, toCheckIn.start + checkInWindow))} or it goes to the line.</p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => { actions.claim(); setTimeout(polled.reload, 500); }} disabled={actions.pending !== null}>
              Check in
            </button>
          </div>
        </div>
      )}
      <div className="actions week-nav">
        <button type="button" onClick={() => setWeek(week - 7 * DAY_MS)}>Previous week</button>
        <span>Week of {dayName(week)}</span>
        <button type="button" onClick={() => setWeek(week + 7 * DAY_MS)}>Next week</button>
      </div>
      {polled.error ? <Alert>{sentenceOf(polled.error)}</Alert> : null}
      <ol className="week" data-testid="week">
        {days.map((start) => {
          const slots = (data?.bookings ?? []).filter((booking) => booking.start < start + DAY_MS && booking.end > start);
          return (
            <li key={start}>
              <h3>{dayName(start)}</h3>
              {slots.length === 0 ? <p className="hint">Nothing booked.</p> : (
                <ul>
                  {slots.map((booking) => (
                    <li key={booking.bookingId} className={booking.mine ? "mine" : undefined} data-testid="booking">
                      {clock(booking.start)}–{clock(booking.end)} {booking.mine ? "You" : booking.userName} ({STATUS_WORDS[booking.status]})
                      {booking.mine && booking.status === "checked_in" && booking.end > now && (
                        <button type="button" onClick={() => void act(() => client.bookings.cancel(booking.bookingId))} disabled={busy}>
                          Finish my slot
                        </button>
                      )}
                      {booking.mine && booking.status === "booked" && booking.start > now && (
                        <button type="button" onClick={() => void act(() => client.bookings.cancel(booking.bookingId))} disabled={busy} aria-label={`Cancel your booking at ${clock(booking.start)}`}>
                          Cancel
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
      <form onSubmit={book} className="book-form">
        <div className="field">
          <label htmlFor="booking-day">Day</label>
          <input id="booking-day" type="date" value={day} onChange={(event) => setDay(event.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="booking-time">Start</label>
          <input id="booking-time" type="time" value={time} onChange={(event) => setTime(event.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="booking-length">Length</label>
          <select id="booking-length" value={minutes} onChange={(event) => setMinutes(Number(event.target.value))}>
            {LENGTHS.map((length) => <option key={length} value={length}>{length} min</option>)}
          </select>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>Book</button>
        </div>
      </form>
      {problem ? <Alert onDismiss={() => setProblem(null)}>{sentenceOf(problem)}</Alert> : null}
    </section>
  );
}
