//! Tree-sitter's memory: each thread's parsers and trees take it from a bump arena that starts
//! over once everything in it has been freed (between files), instead of from `malloc`.
//!
//! A parse makes and frees hundreds of small blocks a kilobyte (subtrees, stack nodes, child
//! arrays), and `malloc` / `free` were a tenth of `check`'s instructions (BENCHMARKS.md, issue
//! 17). Here a block is the bump of an offset and freeing one is a count: once none of an
//! arena's blocks is in use (the file's parser and trees are gone), its next block is at its
//! start again.
//!
//! Sound however it is used: a block kept past its file (a tree held on to) only keeps its arena
//! from starting over, and is never written over; any thread may free any block. Where a thread
//! has no arena, or its arena is full (a parse of a file of hundreds of kilobytes), blocks come
//! from the C library's `malloc`, as tree-sitter's own defaults do — so blocks made before
//! `install` are freed correctly after it. An arena is a region aligned to its size, so a
//! block's region is its address rounded down, and a block is an arena's only if that region is
//! registered. Arenas are never freed: a finished thread's goes back to a pool.

use std::alloc::{self, Layout};
use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once, PoisonError};

/// An arena's size and alignment. Its pages are touched only as far as the largest parse of
/// the thread reaches.
const CAPACITY: usize = 4 << 20;
/// Where an arena's first block starts: its counters sit before it.
const FIRST: usize = 64;
/// A block's header (its size, for `realloc`), which keeps every block 16-byte aligned, as
/// `malloc`'s are.
const HEADER: usize = 16;
/// At most this many arenas (a thread beyond them uses `malloc`).
const SLOTS: usize = 256;

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn calloc(count: usize, size: usize) -> *mut c_void;
    fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
}

/// Installs the arenas as tree-sitter's allocator. Call it before any other tree-sitter call
/// (the binary's first step); later calls do nothing.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: one family of functions (blocks of the C library's `malloc` are told apart and
        // handed back to it), `malloc`-aligned, never null (an allocation failure aborts).
        unsafe {
            tree_sitter::set_allocator(Some(tree_sitter::Allocator {
                malloc: arena_malloc,
                calloc: arena_calloc,
                realloc: arena_realloc,
                free: arena_free,
            }));
        }
    });
}

/// How many blocks of the current thread's arena are in use (none once the thread's files are
/// done: what lets the arena start over).
pub fn blocks_in_use() -> usize {
    held().map_or(0, |arena| arena.live.load(Ordering::Acquire))
}

/// The counters at the start of an arena's region. `used` is read and written only by the
/// thread holding the arena (handed over through the pool's mutex); `live`, the blocks not yet
/// freed, by any thread freeing one.
struct Arena {
    used: Cell<usize>,
    live: AtomicUsize,
}

// SAFETY: see `Arena`: `used` has one thread at a time, `live` is atomic.
unsafe impl Sync for Arena {}

/// The regions of every arena made, filled from the first slot on and never emptied.
static REGIONS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

/// Arenas of finished threads.
static POOL: Mutex<Vec<&'static Arena>> = Mutex::new(Vec::new());

impl Arena {
    /// A new arena, registered; none once every slot is taken or memory is short.
    fn new() -> Option<&'static Arena> {
        let layout = Layout::from_size_align(CAPACITY, CAPACITY).ok()?;
        // SAFETY: a non-zero size.
        let region = unsafe { alloc::alloc(layout) };
        if region.is_null() {
            return None;
        }
        let arena = region.cast::<Arena>();
        // SAFETY: the region is aligned and larger than the counters.
        unsafe {
            arena.write(Arena {
                used: Cell::new(FIRST),
                live: AtomicUsize::new(0),
            });
        }
        let registered = REGIONS.iter().any(|slot| {
            slot.compare_exchange(0, region as usize, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        });
        if !registered {
            // SAFETY: allocated above with this layout, never handed out.
            unsafe { alloc::dealloc(region, layout) };
            return None;
        }
        // SAFETY: initialised above; regions are never freed.
        Some(unsafe { &*arena })
    }

    /// The arena `ptr` is a block of, if any.
    fn of(ptr: *const u8) -> Option<&'static Arena> {
        let region = ptr as usize & !(CAPACITY - 1);
        for slot in &REGIONS {
            match slot.load(Ordering::Acquire) {
                0 => return None,
                r if r == region => {
                    // SAFETY: a registered region starts with its initialised counters.
                    return Some(unsafe { &*(region as *const Arena) });
                }
                _ => {}
            }
        }
        None
    }

    fn base(&self) -> usize {
        self as *const Arena as usize
    }

    /// A block of `size` bytes, if the arena has room.
    fn bump(&self, size: usize) -> Option<*mut u8> {
        if self.live.load(Ordering::Acquire) == 0 {
            self.used.set(FIRST);
        }
        let start = self.used.get();
        let end = start.checked_add(HEADER)?.checked_add(round_up(size)?)?;
        if end > CAPACITY {
            return None;
        }
        self.used.set(end);
        self.live.fetch_add(1, Ordering::Relaxed);
        let block = (self.base() + start) as *mut u8;
        // SAFETY: `start..end` lies inside the region, 16-byte aligned.
        unsafe {
            block.cast::<usize>().write(size);
            Some(block.add(HEADER))
        }
    }

    /// Grows or shrinks `ptr`, this arena's block of `old` bytes, where it is, if it is the
    /// last block bumped and the arena has room.
    fn resize_last(&self, ptr: *mut u8, old: usize, size: usize) -> bool {
        let start = ptr as usize - self.base();
        let end = |n: usize| round_up(n).and_then(|n| n.checked_add(start));
        if end(old) != Some(self.used.get()) {
            return false;
        }
        match end(size) {
            Some(new_end) if new_end <= CAPACITY => {
                self.used.set(new_end);
                // SAFETY: the block's header, inside the region.
                unsafe { ptr.sub(HEADER).cast::<usize>().write(size) };
                true
            }
            _ => false,
        }
    }
}

fn round_up(size: usize) -> Option<usize> {
    Some(size.checked_add(HEADER - 1)? & !(HEADER - 1))
}

/// The arena the current thread bumps from: taken from the pool (or made) on first use and
/// given back when the thread ends.
struct Held(Cell<Option<&'static Arena>>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(arena) = self.0.take() {
            POOL.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(arena);
        }
    }
}

thread_local! {
    static HELD: Held = const { Held(Cell::new(None)) };
}

/// This thread's arena, if it has or can take one (not while the thread is ending). The pool's
/// vector comes from Rust's allocator, never this one, so taking does not call back in here.
fn held() -> Option<&'static Arena> {
    HELD.try_with(|held| {
        if held.0.get().is_none() {
            let pooled = POOL.lock().unwrap_or_else(PoisonError::into_inner).pop();
            held.0.set(pooled.or_else(Arena::new));
        }
        held.0.get()
    })
    .ok()
    .flatten()
}

fn is_mine(arena: &Arena) -> bool {
    held().is_some_and(|mine| std::ptr::eq(mine, arena))
}

/// A block's size, as its header holds it.
///
/// # Safety
/// `ptr` is a live block of an arena.
unsafe fn size_of_block(ptr: *mut u8) -> usize {
    unsafe { ptr.sub(HEADER).cast::<usize>().read() }
}

fn never_null(block: *mut c_void, size: usize) -> *mut c_void {
    if block.is_null() {
        alloc::handle_alloc_error(
            Layout::from_size_align(size.max(1), HEADER).unwrap_or(Layout::new::<u8>()),
        );
    }
    block
}

unsafe extern "C" fn arena_malloc(size: usize) -> *mut c_void {
    match held().and_then(|arena| arena.bump(size)) {
        Some(block) => block.cast(),
        // SAFETY: the C library's allocator; at least one byte so that null means failure.
        None => never_null(unsafe { malloc(size.max(1)) }, size),
    }
}

unsafe extern "C" fn arena_calloc(count: usize, size: usize) -> *mut c_void {
    let total = count.saturating_mul(size);
    match held().and_then(|arena| arena.bump(total)) {
        Some(block) => {
            // SAFETY: the block holds `total` bytes (reused memory: zeroed here).
            unsafe { ptr::write_bytes(block, 0, total) };
            block.cast()
        }
        // SAFETY: the C library's allocator.
        None => never_null(unsafe { calloc(count.max(1), size.max(1)) }, total),
    }
}

unsafe extern "C" fn arena_realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
    let block = ptr.cast::<u8>();
    if block.is_null() {
        // SAFETY: a new block.
        return unsafe { arena_malloc(size) };
    }
    let Some(arena) = Arena::of(block) else {
        // SAFETY: a block of the C library's allocator (tree-sitter passes only its own).
        return never_null(unsafe { realloc(ptr, size.max(1)) }, size);
    };
    // SAFETY: a live block of `arena` (tree-sitter passes only its own).
    let old = unsafe { size_of_block(block) };
    if is_mine(arena) && arena.resize_last(block, old, size) {
        return ptr;
    }
    // SAFETY: a new block, then the old one's bytes copied into it and the old one freed.
    unsafe {
        let new = arena_malloc(size);
        ptr::copy_nonoverlapping(block, new.cast::<u8>(), old.min(size));
        arena_free(ptr);
        new
    }
}

unsafe extern "C" fn arena_free(ptr: *mut c_void) {
    if ptr.is_null() {
        return;
    }
    match Arena::of(ptr.cast()) {
        Some(arena) => {
            arena.live.fetch_sub(1, Ordering::Release);
        }
        // SAFETY: a block of the C library's allocator (tree-sitter passes only its own).
        None => unsafe { free(ptr) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allocate(size: usize) -> *mut u8 {
        unsafe { arena_malloc(size).cast() }
    }

    /// Runs `test` on a thread of its own, so that it bumps from an arena no other test uses.
    fn on_its_own_thread(test: impl FnOnce() + Send + 'static) {
        std::thread::spawn(test).join().unwrap();
    }

    fn release(block: *mut u8) {
        unsafe { arena_free(block.cast()) }
    }

    fn fill(block: *mut u8, size: usize, byte: u8) {
        unsafe { ptr::write_bytes(block, byte, size) }
    }

    fn holds(block: *mut u8, size: usize, byte: u8) -> bool {
        unsafe { std::slice::from_raw_parts(block, size) }
            .iter()
            .all(|b| *b == byte)
    }

    #[test]
    fn blocks_are_aligned_apart_and_kept_until_freed() {
        on_its_own_thread(|| {
            let blocks: Vec<(*mut u8, usize)> =
                (0..200).map(|i| (allocate(i * 7), i * 7)).collect();
            for (i, (block, size)) in blocks.iter().enumerate() {
                assert_eq!(*block as usize % 16, 0);
                assert!(Arena::of(*block).is_some());
                fill(*block, *size, i as u8);
            }
            for (i, (block, size)) in blocks.iter().enumerate() {
                assert!(holds(*block, *size, i as u8), "block {i} was written over");
                release(*block);
            }
        });
    }

    #[test]
    fn an_arena_starts_over_only_once_every_block_is_freed() {
        on_its_own_thread(|| {
            let first = allocate(32);
            let kept = allocate(32);
            release(first);
            let next = allocate(32);
            assert_ne!(next, first, "a block is still in use: no start over");
            fill(next, 32, 1);
            fill(kept, 32, 2);
            release(next);
            assert!(holds(kept, 32, 2));
            release(kept);
            assert_eq!(allocate(32), first, "nothing in use: the arena starts over");
        });
    }

    #[test]
    fn realloc_keeps_the_bytes_in_place_or_moved() {
        on_its_own_thread(|| unsafe {
            let last = allocate(24);
            fill(last, 24, 7);
            let grown = arena_realloc(last.cast(), 4000).cast::<u8>();
            assert_eq!(grown, last, "the last block grows where it is");
            assert!(holds(grown, 24, 7));
            let other = allocate(8);
            let moved = arena_realloc(grown.cast(), 9000).cast::<u8>();
            assert_ne!(moved, grown);
            assert!(holds(moved, 24, 7));
            let shrunk = arena_realloc(moved.cast(), 10).cast::<u8>();
            assert!(holds(shrunk, 10, 7));
            release(other);
            release(shrunk);
        });
    }

    #[test]
    fn a_full_arena_and_the_c_library_blocks_go_to_malloc() {
        on_its_own_thread(|| unsafe {
            let huge = allocate(CAPACITY);
            assert!(Arena::of(huge).is_none());
            fill(huge, CAPACITY, 3);
            let grown = arena_realloc(huge.cast(), CAPACITY + 10).cast::<u8>();
            assert!(holds(grown, CAPACITY, 3));
            release(grown);
            let from_c = malloc(100);
            assert!(Arena::of(from_c.cast()).is_none());
            let grown = arena_realloc(from_c, 200);
            arena_free(grown);
        });
    }

    #[test]
    fn calloc_zeroes_reused_memory() {
        on_its_own_thread(|| unsafe {
            let block = allocate(64);
            fill(block, 64, 0xff);
            release(block);
            let zeroed = arena_calloc(8, 8).cast::<u8>();
            assert_eq!(zeroed, block);
            assert!(holds(zeroed, 64, 0));
            arena_free(zeroed.cast());
        });
    }

    #[test]
    fn a_block_freed_on_another_thread_lets_its_arena_start_over() {
        on_its_own_thread(|| {
            let block = allocate(48) as usize;
            std::thread::spawn(move || release(block as *mut u8))
                .join()
                .unwrap();
            assert_eq!(allocate(48) as usize, block);
        });
    }
}
