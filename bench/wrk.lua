-- bench/wrk.lua: wrk's summary as one line the bench scripts read (lib.bash,
-- load): requests, duration, latency percentiles and every kind of error
-- (responses with status >= 400, and connect, read, write and timeout
-- errors), so that an error is never counted as a served request. Only
-- done() is defined: wrk keeps its fast path (no per-response Lua call).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d bytes=%d status=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
