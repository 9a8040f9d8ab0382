-- An IVR survey as straight-line code. Each call:gather sends what was said so far to Twilio
-- and waits here for the caller's answer; the flow reads top to bottom like the conversation.
--
-- Used by outbound calls (twilio.initiate_call{ flow = "survey" }) and by inbound calls to the
-- numbers that `inbound:` maps to "survey" in projectx.yaml.

twilio.flow("survey", function(call)
  local name = call.vars.name or "there"
  call:say("Hello " .. name .. ", this is Captain Nova from Quantum Labs.", { emotion = "excited" })

  local rating = call:gather{
    input = "dtmf speech",
    num_digits = 1,
    timeout = 5,
    prompt = "On a scale of 1 to 5, how smooth was your last timeline jump? Press a number or say it.",
  }
  local score = tonumber(rating.digits or "") or tonumber(rating.speech or "")
  if not score then
    call:say("We did not catch that. We will try again another day. Goodbye.")
    call:hangup()
    return
  end

  if score <= 2 then
    local reason = call:gather{ input = "speech", timeout = 5, speech_timeout = "auto",
                                prompt = "Sorry to hear that. In a few words, what went wrong?" }
    log.info("survey", call.sid, "low score", score, "reason:", reason.speech or "(none)")
  end

  local again = call:gather{ input = "dtmf", num_digits = 1, timeout = 5,
                             prompt = "Press 1 to hear from us again, or 9 to never be called again." }
  if again.digits == "9" then
    call:opt_out()
    call:say("You will not be called again. Goodbye.")
  else
    call:say("Thank you. Your answer is recorded in the timeline. Goodbye.", { emotion = "happy" })
  end
  call:hangup()
end)

twilio.on("call.ended", function(ev)
  log.info("call", ev.sid, "to", ev.to, "ended", ev.status, "after", ev.duration or 0, "s")
end)

twilio.on("call.failed", function(ev)
  log.warn("call to", ev.to, "failed:", ev.status, ev.error and ev.error.message or "")
end)
