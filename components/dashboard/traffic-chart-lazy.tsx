"use client";

import dynamic from "next/dynamic";
import type { TrafficChartProps } from "@/components/dashboard/traffic-chart";

/**
 * recharts (with d3 and redux) is about as large as the rest of a console page's JavaScript, so it
 * is its own chunk, fetched after the page is interactive, and never rendered on the server (its
 * ResponsiveContainer measures the browser's layout anyway). The placeholder keeps the chart's
 * height so nothing moves when it arrives.
 */
const TrafficChart = dynamic(() => import("@/components/dashboard/traffic-chart"), {
  ssr: false,
  loading: () => <div className="h-[200px]" aria-hidden="true" />,
});

export function LazyTrafficChart(props: TrafficChartProps) {
  return <TrafficChart {...props} />;
}
