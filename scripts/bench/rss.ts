/** Peak resident set size while some work runs, sampled every 50 ms, relative to a baseline taken just before. */
import { collectGarbage } from "./util";

export interface RssPeak {
  baseline: number;
  peak: number;
  /** peak − baseline, in bytes. */
  growth: number;
}

export async function measurePeakRss<T>(work: () => Promise<T>, intervalMs = 50): Promise<{ value: T; rss: RssPeak }> {
  collectGarbage();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, rss: { baseline, peak, growth: peak - baseline } };
  } finally {
    clearInterval(timer);
  }
}
