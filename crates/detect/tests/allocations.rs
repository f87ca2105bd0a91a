//! The detector pass allocates nothing for strings that hold nothing: a global allocator
//! counts the allocations made on the scanning thread.
// A global allocator cannot be written without `unsafe`; this test file is the only place
// the workspace allows it.
#![allow(unsafe_code)]

use privaudit_detect::Scanner;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

mod common;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed on to the system allocator unchanged; counting touches only
// a const-initialised thread-local, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn clean_strings_are_scanned_without_allocating() {
    let mut clean: Vec<String> = [
        "8.6.82.110",
        "Europe/Amsterdam",
        "e074cb38f98e37e39002a2c787a6af29293876e137437c05e0f68c7020ac4fb8",
        "nginx",
        "x86_64",
        "de",
        "Number of active users",
        "Debian GNU/Linux 11 (bullseye)",
        "Linux x86_64 5.10.0-26-amd64",
        "3e0d0fe4-0cb2-4807-8579-da3dd8edc400",
        "2026-11-18T09:02:41.067214455Z",
        "e8moxiw1wfpbpi75mkp2krdeoo",
        "de,en,nl",
        "enable_custom_emoji",
        "analytics-go",
        "permissions_system_scheme",
        "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
        "community-scripts/ProxmoxVE",
    ]
    .map(String::from)
    .to_vec();
    // The shipped look-alikes: telemetry values that must not be flagged.
    clean.extend(common::load("lookalikes.jsonl").into_iter().map(|c| c.text));
    let scanner = Scanner::new();
    let mut out = Vec::with_capacity(64);
    // The first scan builds the shared word tables.
    scanner.scan("warm up the tables", &mut out);
    let mut checked = 0;
    for text in &clean {
        out.clear();
        let before = allocations();
        scanner.scan(text, &mut out);
        let made = allocations() - before;
        if out.is_empty() {
            assert_eq!(made, 0, "{text:?} allocated {made} times");
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} clean strings checked");
}
