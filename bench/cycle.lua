-- The wrk script of the HTTP rows (see bench/README.md): every connection
-- sends the next path of a list, so a run cycles through all of them.
--
--   wrk -t2 -c64 -d10s -s bench/cycle.lua http://HOST:PORT -- PATHS-FILE
--
-- PATHS-FILE has one request path a line (already percent-encoded). Headers
-- given with -H go with every request. Each thread starts at its own place
-- in the list, so the threads do not send the same path at the same time.
-- The script counts the responses whose status is not 2xx itself (wrk's own
-- count leaves out 3xx) and at the end prints one line,
-- `BENCH_RESULT {...}`, with the counts and the latency percentiles in
-- microseconds.

local threads = {}

function setup(thread)
   thread:set("thread_number", #threads)
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   for line in io.lines(args[1]) do
      if line ~= "" then
         paths[#paths + 1] = wrk.format(nil, line)
      end
   end
   if #paths == 0 then
      error("no paths in " .. args[1])
   end
   next_path = (thread_number * 97) % #paths + 1
   responses = 0
   not_2xx = 0
end

function request()
   local prepared = paths[next_path]
   next_path = next_path % #paths + 1
   return prepared
end

function response(status, headers, body)
   responses = responses + 1
   if status < 200 or status > 299 then
      not_2xx = not_2xx + 1
   end
end

function done(summary, latency, requests)
   local responses_total, not_2xx_total = 0, 0
   for _, thread in ipairs(threads) do
      responses_total = responses_total + thread:get("responses")
      not_2xx_total = not_2xx_total + thread:get("not_2xx")
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "responses": %d, "not_2xx": %d, ' ..
      '"socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, responses_total, not_2xx_total,
      errors.connect + errors.read + errors.write + errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
