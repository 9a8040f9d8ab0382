-- Weekday reminders: at 09:00 New York time, call each number on the list once that day with the
-- survey flow (scripts/survey.lua). REMINDERS_CRON overrides the schedule, e.g. "*/10 * * * * *"
-- (six fields: seconds first) to try it out in the simulator.

local numbers = { "+14155550101", "+14155550103" }
local when = os.getenv("REMINDERS_CRON") or "0 9 * * MON-FRI"

-- Number -> the day it was last dialled, so a schedule that fires often still dials once a day.
local dialled = {}

schedule.cron(when, function(run)
  local today = os.date("!%Y-%m-%d")
  for _, number in ipairs(numbers) do
    if dialled[number] ~= today then
      dialled[number] = today
      local call, err = twilio.initiate_call{ to = number, agent = "captain-nova", flow = "survey",
                                              vars = { name = "Commander" } }
      if call then
        log.info("reminder call", call.sid, "to", number)
      else
        log.warn("reminder call to", number, "refused:", err.code, err.message)
      end
    end
  end
end, { tz = "America/New_York", name = "weekday reminders" })

twilio.on("schedule.fired", function(ev)
  log.debug("schedule", ev.name, "fired at", ev.at)
end)
