-- Membership renewals for the Quantum Labs Starship Club: Dr Quantum calls every member in
-- contacts.csv whose membership is about to end and asks what they want to do.
--
--   projectx --config examples/lua/renewals.yaml campaign run renewals   # dial everyone now
--   projectx --config examples/lua/renewals.yaml plan renewals           # who, when, who not
--   projectx --config examples/lua/renewals.yaml run                     # the weekday schedule
--
-- What the example shows:
--   * a flow that gathers a key press and branches on it (renew, call back, opt out, no reply),
--     and asks a second question by speech on one branch;
--   * voicemail: answering-machine detection, a short message for the machine, a retry later;
--   * retry rules by outcome: busy, no answer, voicemail;
--   * an opt-out with call:opt_out(): kept in the store, so no campaign dials that member again;
--   * a cron schedule that starts the campaign on weekday mornings;
--   * the campaign's events: progress and the final report.

campaign.define("renewals", {
  contacts = "contacts.csv",     -- to, name, timezone; tier and renews_on become call.vars
  agent = "dr-quantum",
  flow = "renewal",
  cps = 5,
  max_concurrent = 5,
  machine_detection = "Enable",  -- call.answered_by tells a person from a voicemail
  -- Short delays so the example ends in seconds; a real campaign waits hours ("2h").
  retry = {
    busy = { after = "1s", max = 2 },       -- 3 attempts at most
    no_answer = { after = "1s", max = 1 },  -- 2 attempts at most
    machine = { after = "1s", max = 1 },    -- one more try after the voicemail
  },
})

-- What members chose, for the summary at the end. Counts start afresh when the file reloads.
local chose = { renewed = 0, call_back = 0, opted_out = 0, no_reply = 0, voicemail = 0 }

twilio.flow("renewal", function(call)
  local name = call.vars.name or "there"
  local tier = call.vars.tier or "club"
  local renews_on = call.vars.renews_on or "soon"

  if call.answered_by and call.answered_by:find("^machine") then
    call:say("Hello " .. name .. ", this is Dr Quantum from the Quantum Labs Starship Club. Your "
      .. tier .. " membership ends on " .. renews_on .. ". We will call you again. Goodbye.")
    chose.voicemail = chose.voicemail + 1
    call:hangup()
    return
  end

  call:say("Hello " .. name .. ", this is Dr Quantum from the Quantum Labs Starship Club.",
    { emotion = "happy" })
  local choice = call:gather{
    input = "dtmf",
    num_digits = 1,
    timeout = 5,
    prompt = "Your " .. tier .. " membership ends on " .. renews_on .. ". Press 1 to renew it for "
      .. "another year, 2 to talk it over with Captain Nova, or 9 if you do not want these calls.",
  }

  if choice.digits == "1" then
    chose.renewed = chose.renewed + 1
    log.info("renewal", call.to, "renewed", tier)
    call:say("Done: your " .. tier .. " membership runs for another year. Welcome aboard!",
      { emotion = "excited" })
  elseif choice.digits == "2" then
    local when = call:gather{ input = "speech", timeout = 5, speech_timeout = "auto",
                              prompt = "When should Captain Nova call you? Say a day and a time." }
    chose.call_back = chose.call_back + 1
    log.info("renewal", call.to, "call back:", when.speech or "(nothing said)")
    call:say("Captain Nova will call you " .. (when.speech or "this week") .. ".",
      { agent = "captain-nova" })
  elseif choice.digits == "9" then
    -- Kept in the store's do-not-call list: no campaign dials this number again.
    call:opt_out()
    chose.opted_out = chose.opted_out + 1
    log.info("renewal", call.to, "opted out")
    call:say("Understood. We will not call you again. Goodbye.", { emotion = "calm" })
  else
    chose.no_reply = chose.no_reply + 1
    call:say("We did not catch that. We will write to you instead. Goodbye.")
  end
  call:hangup()
end)

-- Weekday mornings at 09:30 in California, the campaign (re)starts: members added to
-- contacts.csv since are dialled, those already finished are not. RENEWALS_CRON overrides it,
-- e.g. "*/10 * * * * *" (six fields: seconds first) to try it out.
schedule.cron(os.getenv("RENEWALS_CRON") or "30 9 * * MON-FRI", function()
  local ok, err = campaign.start("renewals")
  if ok then
    log.info("renewals started by the schedule")
  elseif err.kind ~= "already_running" then
    log.warn("cannot start the renewals:", err.message)
  end
end, { tz = "America/Los_Angeles", name = "weekday renewals" })

twilio.on("campaign.progress", function(ev)
  if ev.campaign == "renewals" and ev.state == "importing" then
    log.info("renewals: imported", ev.imported, "members; rows rejected:", ev.rejected)
  end
end)

twilio.on("campaign.done", function(ev)
  if ev.campaign ~= "renewals" then return end
  local r = ev.report
  log.info(string.format(
    "renewals done: %d renewed, %d call back, %d opted out, %d no reply, %d voicemail; "
      .. "%d attempts, %d skipped, cost $%.4f",
    chose.renewed, chose.call_back, chose.opted_out, chose.no_reply, chose.voicemail,
    r.attempts, r.contacts.skipped, r.cost_usd))
end)
