-- wrk script: each request takes the next path from the file named by $PATHS (one per line),
-- so a run measures a mix of queries rather than one answer over and over.
local paths = {}
local next_path = 0

function init(args)
  for line in io.lines(os.getenv("PATHS")) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  -- Threads start at different places in the list.
  next_path = math.random(#paths) - 1
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
