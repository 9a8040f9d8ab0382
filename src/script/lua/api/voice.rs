//! `voice`: the configured voice profiles, and their speech as TwiML.

use mlua::{Lua, Table};

use crate::script::lua::registry::env;
use crate::voice::{Effect, Emotion, SpeakOptions, VoiceProfile};

fn describe(lua: &Lua, profile: &VoiceProfile) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.set("name", profile.name())?;
    table.set("voice", profile.voice())?;
    table.set("language", profile.language())?;
    table.set("style", profile.style().as_str())?;
    table.set("pitch", profile.pitch())?;
    table.set("rate", profile.rate())?;
    table.set("volume_db", profile.volume_db())?;
    Ok(table)
}

fn bad(function: &str, error: impl std::fmt::Display) -> mlua::Error {
    mlua::Error::runtime(format!("{function}: {error}"))
}

pub(super) fn register(lua: &Lua) -> mlua::Result<()> {
    let voice = lua.create_table()?;
    voice.set(
        "list",
        lua.create_function(|lua, ()| {
            let env = env(lua)?;
            let list = lua.create_table()?;
            for profile in env.ctx.voices.profiles() {
                list.push(describe(lua, profile)?)?;
            }
            Ok(list)
        })?,
    )?;
    voice.set(
        "get",
        lua.create_function(|lua, name: String| {
            let profile = env(lua)?
                .ctx
                .voices
                .find(&name)
                .map_err(|e| bad("voice.get", e))?
                .clone();
            describe(lua, &profile)
        })?,
    )?;
    voice.set(
        "render",
        lua.create_function(
            |lua, (name, text, options): (String, String, Option<Table>)| {
                let profile = env(lua)?
                    .ctx
                    .voices
                    .find(&name)
                    .map_err(|e| bad("voice.render", e))?
                    .clone();
                let mut speak = SpeakOptions::default();
                if let Some(options) = options {
                    if let Some(emotion) = options.get::<Option<String>>("emotion")? {
                        speak.emotion = emotion
                            .parse::<Emotion>()
                            .map_err(|e| bad("voice.render", e))?;
                    }
                    if let Some(effects) = options.get::<Option<Vec<String>>>("effects")? {
                        for effect in effects {
                            speak.effects.push(
                                effect
                                    .parse::<Effect>()
                                    .map_err(|e| bad("voice.render", e))?,
                            );
                        }
                    }
                }
                let speech = profile
                    .speak(&text, &speak)
                    .map_err(|e| bad("voice.render", e))?;
                Ok(speech.verbs.as_str().to_owned())
            },
        )?,
    )?;
    lua.globals().set("voice", voice)
}
