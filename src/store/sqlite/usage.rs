//! The SQL of usage: a row per ended call, summed per day, campaign and agent.

use chrono::NaiveDate;
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{map_err, ms};
use crate::store::StoreError;
use crate::store::usage::{CallRecord, UsageQuery, UsageRow, UsageTotals};

/// Records calls once each: a repeated ending (a late callback, a reconciled call) only fills
/// in a price that was missing.
pub(super) async fn record_calls(
    connection: &mut SqliteConnection,
    calls: &[&CallRecord],
) -> Result<(), StoreError> {
    if calls.is_empty() {
        return Ok(());
    }
    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO calls (sid, campaign, agent, to_number, from_number, status, duration,
                            price, ended_at, day) ",
    );
    insert.push_values(calls, |mut row, call| {
        row.push_bind(call.sid.as_str())
            .push_bind(call.campaign.as_deref())
            .push_bind(call.agent.as_deref())
            .push_bind(call.to.as_str())
            .push_bind(call.from.as_str())
            .push_bind(call.status.as_str())
            .push_bind(i64::try_from(call.duration).unwrap_or(i64::MAX))
            .push_bind(call.price)
            .push_bind(ms(call.ended_at))
            .push_bind(call.ended_at.date_naive().format("%Y-%m-%d").to_string());
    });
    insert.push(" ON CONFLICT (sid) DO UPDATE SET price = COALESCE(calls.price, excluded.price)");
    insert.build().execute(connection).await.map_err(map_err)?;
    Ok(())
}

/// Sums calls per day, campaign and agent. A campaign call's price may have reached only its
/// attempt (the campaign fetches it), so the attempt's price stands in for a missing one.
pub(super) async fn usage(
    pool: &SqlitePool,
    query: &UsageQuery,
) -> Result<Vec<UsageRow>, StoreError> {
    let since = query
        .since
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let rows = sqlx::query(
        "SELECT c.day, c.campaign, c.agent, COUNT(*) AS calls,
                SUM(CASE WHEN c.status = 'completed' THEN 1 ELSE 0 END) AS completed,
                SUM(c.duration) AS seconds,
                SUM((c.duration + 59) / 60) AS billed_minutes,
                SUM(-COALESCE(c.price, a.price, 0.0)) AS cost,
                SUM(CASE WHEN c.duration > 0 AND COALESCE(c.price, a.price) IS NULL
                         THEN 1 ELSE 0 END) AS unrated
         FROM calls c LEFT JOIN attempts a ON a.call_sid = c.sid
         WHERE (? IS NULL OR c.campaign = ?) AND c.day >= ?
         GROUP BY c.day, c.campaign, c.agent
         ORDER BY c.day, c.campaign, c.agent",
    )
    .bind(&query.campaign)
    .bind(&query.campaign)
    .bind(since)
    .fetch_all(pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            let count = |name: &str| -> Result<u64, StoreError> {
                let n: Option<i64> = row.try_get(name).map_err(map_err)?;
                Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
            };
            let day: String = row.try_get("day").map_err(map_err)?;
            Ok(UsageRow {
                day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .map_err(|e| StoreError::Corrupt(format!("call day {day:?}: {e}")))?,
                campaign: row.try_get("campaign").map_err(map_err)?,
                agent: row.try_get("agent").map_err(map_err)?,
                totals: UsageTotals {
                    calls: count("calls")?,
                    completed: count("completed")?,
                    seconds: count("seconds")?,
                    billed_minutes: count("billed_minutes")?,
                    cost_usd: row
                        .try_get::<Option<f64>, _>("cost")
                        .map_err(map_err)?
                        .unwrap_or(0.0),
                    unrated: count("unrated")?,
                },
            })
        })
        .collect()
}
