/**
 * Live readings on the device page (issue 24): each telemetry channel's newest value with its
 * unit, and for numeric channels a small chart of the recent samples drawn by uPlot (a small,
 * well-kept canvas charting library). Public channels for everyone; owner-only ones appear
 * for the holder alone — the SDK's `view.telemetry` already holds only what this user may see.
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { TelemetryChannelView, TelemetryView } from "@baton/client";

const CHART_HEIGHT = 120;

export function TelemetryPanel({ telemetry }: { telemetry: TelemetryView }) {
  const channels = Object.values(telemetry);
  if (channels.length === 0) return null;
  return (
    <section className="card" aria-labelledby="telemetry-heading">
      <h2 id="telemetry-heading">Live readings</h2>
      <ul className="telemetry-list">
        {channels.map((channel) => (
          <li key={channel.name} className="telemetry-channel">
            <p className="telemetry-value">
              <span className="telemetry-name">{labelOf(channel.name)}</span>{" "}
              <output data-testid={`telemetry-${channel.name}`}>{formatted(channel)}</output>
              {channel.visibility === "owner" && <span className="hint"> (only you see this)</span>}
            </p>
            {channel.type === "number" && <Chart channel={channel} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Chart({ channel }: { channel: TelemetryChannelView }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const chart = new uPlot({
      width: Math.max(200, element.clientWidth),
      height: CHART_HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true } },
      axes: [{ stroke: "#4b5563" }, { stroke: "#4b5563", size: 56, values: (_plot, ticks) => ticks.map((tick) => `${tick}${channel.unit ? ` ${channel.unit}` : ""}`) }],
      series: [{}, { label: channel.name, stroke: "#1d4ed8", width: 2 }],
    }, dataOf(channel), element);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height: CHART_HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  // One chart per channel and unit; its data follows below.
  }, [channel.name, channel.unit]);

  useEffect(() => {
    plot.current?.setData(dataOf(channel));
  }, [channel]);

  return (
    <div
      ref={box}
      className="telemetry-chart"
      role="img"
      aria-label={`${labelOf(channel.name)} over the last ${channel.samples.length} samples, now ${formatted(channel)}`}
      data-testid={`telemetry-chart-${channel.name}`}
      data-samples={channel.samples.length}
    />
  );
}

/** uPlot's columns: times in seconds, values. */
function dataOf(channel: TelemetryChannelView): uPlot.AlignedData {
  const samples = channel.samples.filter(([, value]) => typeof value === "number");
  return [samples.map(([at]) => at / 1000), samples.map(([, value]) => value as number)];
}

function formatted(channel: TelemetryChannelView): string {
  const value = channel.value;
  const text = typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 10 ? 2 : 1)) : typeof value === "boolean" ? (value ? "yes" : "no") : value;
  return channel.unit ? `${text} ${channel.unit}` : text;
}

/** "nozzle" → "Nozzle"; "bed_temp" → "Bed temp". */
function labelOf(name: string): string {
  const words = name.replace(/[_.-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
