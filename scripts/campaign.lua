-- A campaign: everyone in contacts.csv gets the survey flow (scripts/survey.lua) in Captain
-- Nova's voice, one call a second, at most five at once. A busy line is tried again twice, ten
-- seconds apart; a call nobody answered, once more after a minute. Before each dial the
-- compliance guard checks calling hours (in the contact's own timezone), the do-not-call list
-- and the attempts per day; `projectx plan launch` shows its decisions without dialing.
--
--   projectx --config examples/demo.yaml campaign run launch     # against the simulator

campaign.define("launch", {
  contacts = "contacts.csv",
  agent = "captain-nova",
  flow = "survey",
  cps = 1,
  max_concurrent = 5,
  machine_detection = "Enable",
  retry = {
    busy = { after = "10s", max = 2 },
    no_answer = { after = "1m", max = 1 },
  },
})

twilio.on("campaign.progress", function(ev)
  if ev.state ~= "running" then
    log.info("campaign", ev.campaign, ev.state, ev.reason or "")
  end
end)

twilio.on("campaign.done", function(ev)
  local r = ev.report
  log.info("campaign", ev.campaign, "done:", r.attempts, "attempts,", r.contacts.done, "reached or finished,",
    r.contacts.skipped, "skipped, cost $" .. string.format("%.4f", r.cost_usd))
end)
