// Preloaded (node --import) into every gateway process the chaos tools start. If the process that started it
// dies without cleaning up (SIGKILL, a crashed test worker), the gateway notices it was re-parented and exits,
// so no gateway is ever left behind listening on a loopback port.
const parent = Number(process.env.FACEGATE_CHAOS_PARENT_PID);
if (Number.isInteger(parent) && parent > 0) {
  const timer = setInterval(() => {
    let alive = process.ppid === parent;
    if (alive) {
      try {
        process.kill(parent, 0);
      } catch {
        alive = false;
      }
    }
    if (!alive) process.kill(process.pid, 'SIGKILL');
  }, 500);
  timer.unref();
}
