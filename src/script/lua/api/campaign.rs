//! `campaign.define/start/stop/pause/resume/status/report`. Mistakes in a definition raise
//! (they are the script's); a campaign that cannot start now returns `nil, err`.

use mlua::{Lua, Table, Value};

use crate::campaign::{CampaignError, CampaignSpec, Campaigns};
use crate::script::lua::convert::{arg, to_lua};
use crate::script::lua::registry::{ensure_driven, env};

fn campaigns(lua: &Lua, what: &str) -> mlua::Result<Campaigns> {
    env(lua)?.ctx.campaigns.clone().ok_or_else(|| {
        mlua::Error::runtime(format!(
            "{what}: campaigns are not available here (no store)"
        ))
    })
}

/// `nil, err` with `err.message` and `err.kind` (`already_running`, `unknown`, `store`, …).
fn failure(lua: &Lua, error: &CampaignError) -> mlua::Result<(Value, Value)> {
    let table = lua.create_table()?;
    table.set("message", error.to_string())?;
    table.set("kind", error.kind())?;
    let meta = lua.create_table()?;
    meta.set(
        "__tostring",
        lua.create_function(|_, t: Table| t.get::<String>("message"))?,
    )?;
    table.set_metatable(Some(meta))?;
    Ok((Value::Nil, Value::Table(table)))
}

fn done<T: serde::Serialize>(
    lua: &Lua,
    outcome: Result<T, CampaignError>,
) -> mlua::Result<(Value, Value)> {
    match outcome {
        Ok(value) => Ok((to_lua(lua, &value)?, Value::Nil)),
        Err(error) => failure(lua, &error),
    }
}

macro_rules! control {
    ($lua:expr, $table:expr, $name:literal, |$campaigns:ident, $campaign:ident| $body:expr) => {
        $table.set(
            $name,
            $lua.create_async_function(|lua, $campaign: String| async move {
                let what = concat!("campaign.", $name);
                ensure_driven(&lua, what)?;
                let $campaigns = campaigns(&lua, what)?;
                let outcome = $body.await;
                done(&lua, outcome)
            })?,
        )?;
    };
}

pub(super) fn register(lua: &Lua) -> mlua::Result<()> {
    let campaign = lua.create_table()?;
    campaign.set(
        "define",
        lua.create_async_function(|lua, (name, options): (String, Table)| async move {
            ensure_driven(&lua, "campaign.define")?;
            let spec: CampaignSpec = arg(Value::Table(options), "campaign.define", "options")?;
            let campaigns = campaigns(&lua, "campaign.define")?;
            let base = env(&lua)?.file.parent().map(std::path::Path::to_path_buf);
            match campaigns.define(&name, spec, base.as_deref()).await {
                Err(e @ (CampaignError::Spec { .. } | CampaignError::BadName(_))) => Err(
                    mlua::Error::runtime(format!("campaign.define: bad argument: {e}")),
                ),
                outcome => done(&lua, outcome.map(|()| true)),
            }
        })?,
    )?;
    control!(lua, campaign, "start", |campaigns, name| async move {
        campaigns.start(&name).await.map(|()| true)
    });
    control!(lua, campaign, "stop", |campaigns, name| async move {
        campaigns.stop(&name).await.map(|()| true)
    });
    control!(lua, campaign, "pause", |campaigns, name| async move {
        campaigns.pause(&name, None).await.map(|()| true)
    });
    control!(lua, campaign, "resume", |campaigns, name| async move {
        campaigns.resume(&name).await.map(|()| true)
    });
    control!(lua, campaign, "status", |campaigns, name| async move {
        campaigns.status(&name).await
    });
    control!(lua, campaign, "report", |campaigns, name| async move {
        campaigns.report(&name).await
    });
    lua.globals().set("campaign", campaign)
}
