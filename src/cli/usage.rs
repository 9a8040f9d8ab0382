//! `projectx usage`: calls, minutes and cost per day, campaign and agent, from the store.

use chrono::NaiveDate;
use clap::Args;
use serde_json::json;

use super::{Cli, EXIT_RUNTIME, EXIT_USAGE, load_config};
use crate::store::{Store, UsageQuery, UsageRow, UsageTotals, usage};

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// Only this campaign's calls.
    #[arg(long)]
    pub campaign: Option<String>,
    /// Only calls that ended on this UTC day or later (YYYY-MM-DD).
    #[arg(long, value_name = "DAY", conflicts_with = "days")]
    pub since: Option<NaiveDate>,
    /// Only the last N UTC days, today included.
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
}

impl UsageArgs {
    fn query(&self) -> UsageQuery {
        let since = self.since.or_else(|| {
            let days = self.days?;
            let today = chrono::Utc::now().date_naive();
            today.checked_sub_days(chrono::Days::new(u64::from(days.saturating_sub(1))))
        });
        UsageQuery {
            campaign: self.campaign.clone(),
            since,
        }
    }
}

pub async fn run(cli: &Cli, args: &UsageArgs) -> u8 {
    let Ok(config) = load_config(cli) else {
        return EXIT_USAGE;
    };
    let store = match crate::runtime::open_store(&config).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    match usage_rows(store.as_ref(), &args.query()).await {
        Ok(rows) => {
            if cli.json {
                println!("{}", json!({ "usage": rows, "total": usage::total(&rows) }));
            } else {
                print_usage(&rows);
            }
            0
        }
        Err(code) => code,
    }
}

/// The usage rows of `query`, or the exit code after printing why there are none.
pub async fn usage_rows(store: &dyn Store, query: &UsageQuery) -> Result<Vec<UsageRow>, u8> {
    store.usage(query).await.map_err(|e| {
        eprintln!("error: {e}");
        EXIT_RUNTIME
    })
}

/// A table: one line per day, campaign and agent, then the total.
pub fn print_usage(rows: &[UsageRow]) {
    if rows.is_empty() {
        println!("no calls recorded");
        return;
    }
    println!(
        "{:<10}  {:<16} {:<16} {:>6} {:>9} {:>8} {:>10}",
        "day", "campaign", "agent", "calls", "completed", "minutes", "cost"
    );
    for row in rows {
        print_row(
            &row.day.to_string(),
            row.campaign.as_deref().unwrap_or("-"),
            row.agent.as_deref().unwrap_or("-"),
            &row.totals,
        );
    }
    let total = usage::total(rows);
    print_row("total", "", "", &total);
    if total.unrated > 0 {
        println!(
            "({} calls not yet priced by Twilio; their cost is not counted)",
            total.unrated
        );
    }
}

fn print_row(day: &str, campaign: &str, agent: &str, row: &UsageTotals) {
    println!(
        "{day:<10}  {campaign:<16} {agent:<16} {:>6} {:>9} {:>8} {:>10}",
        row.calls,
        row.completed,
        row.billed_minutes,
        format!("${:.4}", row.cost_usd)
    );
}
