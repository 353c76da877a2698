//! Every heap block the kiosk app frees is wiped first, so personal data it handled — the
//! opened document, serde's buffers, the text rendered from it — never outlives its owner
//! in the wasm memory, whichever type held it. Written by hand: no maintained crate offers a
//! zeroizing global allocator; the wipe itself is `zeroize`'s (volatile, not optimized away).

use std::alloc::{GlobalAlloc, Layout, System};

use zeroize::Zeroize;

pub struct WipingAllocator;

// SAFETY: allocation is `System`'s; `dealloc` writes only inside the block being freed,
// which the caller owns until `System.dealloc` returns. The default `realloc` allocates,
// copies and deallocates, so a moved block is wiped too.
unsafe impl GlobalAlloc for WipingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe {
            std::slice::from_raw_parts_mut(ptr, layout.size()).zeroize();
            System.dealloc(ptr, layout);
        }
    }
}
