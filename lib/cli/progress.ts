/** A progress line for long CLI work: redrawn in place on a terminal, one line per 10 % otherwise. */
export function progressReporter(noun: string): (done: number, total: number) => void {
  const started = performance.now();
  let lastDecile = -1;
  return (done, total) => {
    const fraction = total === 0 ? 1 : done / total;
    const rate = done / Math.max(0.001, (performance.now() - started) / 1000);
    const line = `${done.toLocaleString("en")}/${total.toLocaleString("en")} ${noun} (${Math.round(fraction * 100)} %, ${Math.round(rate).toLocaleString("en")}/s)`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}${done >= total ? "\n" : ""}`);
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${line}\n`);
      }
    }
  };
}
