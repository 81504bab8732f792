"use client";

import { useActionState, useEffect, useState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { startRecomputeAction } from "./recompute-actions";

interface Job {
  status: string;
  total: number;
  done: number;
  message: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** Admin control: re-evaluate everyone after a threshold change, with a live progress bar. */
export function RecomputePanel() {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(startRecomputeAction, undefined);
  const [job, setJob] = useState<Job | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      const response = await fetch("/api/jobs/recompute", { cache: "no-store" });
      if (!response.ok || stopped) return;
      const body = (await response.json()) as { job: Job | null };
      setJob(body.job);
      if (body.job?.status === "running") timer = window.setTimeout(poll, 1000);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [state]);

  const running = job?.status === "running";
  return (
    <section aria-labelledby="recompute-title" className="card stack">
      <h2 id="recompute-title">Re-evaluate all patients</h2>
      <p className="small">After changing thresholds, re-evaluate everyone so the panel, flags and exports use the version in force.</p>
      <form action={action}>
        <button type="submit" disabled={pending || running}>{running ? "Re-evaluating…" : "Recompute now"}</button>
      </form>
      {state?.message ? <p role="status">{state.message}</p> : null}
      {job ? (
        <div>
          <label htmlFor="recompute-progress">
            {running ? "Progress" : `Last run ${job.status}`}: {job.done.toLocaleString("en")} of {job.total.toLocaleString("en")} patients
          </label>
          <progress id="recompute-progress" max={Math.max(1, job.total)} value={job.done} style={{ width: "100%" }} />
          {job.status === "failed" && job.message ? <p className="field-error">{job.message}</p> : null}
        </div>
      ) : null}
    </section>
  );
}
