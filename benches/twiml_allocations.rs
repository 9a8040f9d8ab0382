//! Heap allocations of one build + `to_xml()` of each document the `twiml` bench times,
//! counted with dhat. A separate binary, because a counting global allocator slows every
//! allocation and would distort the timings.
//!
//! Run with `cargo bench --bench twiml_allocations`.

use std::hint::black_box;

#[path = "common/twiml_docs.rs"]
mod docs;
use docs::*;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// A document's name and how to build and render it.
type Document<'a> = (&'static str, Box<dyn Fn() -> String + 'a>);

fn main() {
    let profile = profile();
    let options = utterance_options();
    let profile_tree = profile_response(&profile, &options).into_element();
    let profile_recipe = Recipe::of(&profile_tree);
    let documents: Vec<Document> = vec![
        ("ivr_gather_menu", Box::new(ivr_gather_menu)),
        (
            "say_ssml_play_pause_hangup",
            Box::new(say_ssml_play_pause_hangup),
        ),
        (
            "record_dial_connect_stream",
            Box::new(record_dial_connect_stream),
        ),
        (
            "profile_say_20",
            Box::new(|| profile_response(&profile, &options).to_xml()),
        ),
        (
            "profile_say_20 (tree only)",
            Box::new(|| profile_recipe.build().to_xml()),
        ),
    ];
    // Run each once first, so lazily built statics (the voice's patterns) are not counted.
    for (_, build) in &documents {
        black_box(build());
    }
    let _profiler = dhat::Profiler::builder().testing().build();
    println!("allocations for one build + to_xml() (dhat; a realloc counts as one)");
    println!(
        "{:<28} {:>7} {:>9} {:>7}",
        "document", "blocks", "bytes", "xml B"
    );
    for (name, build) in &documents {
        let before = dhat::HeapStats::get();
        let xml = black_box(build());
        let after = dhat::HeapStats::get();
        println!(
            "{:<28} {:>7} {:>9} {:>7}",
            name,
            after.total_blocks - before.total_blocks,
            after.total_bytes - before.total_bytes,
            xml.len()
        );
    }
}
