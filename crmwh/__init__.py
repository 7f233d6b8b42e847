"""bank_crm: the customer-centric warehouse's shared configuration and command line."""

import os

# Arrow's allocator for every process of the warehouse (set before pyarrow is first imported:
# Arrow reads it when the module loads; an operator's own ARROW_DEFAULT_MEMORY_POOL wins).
# The default, mimalloc, reserves its memory as 1 GiB arenas marked for transparent huge pages
# (madvise MADV_HUGEPAGE, seen with strace), and on this VM a huge page costs far more to fault
# in than its 512 small pages (numpy filling 1 GiB of huge pages: 10.6-16.2 s, nearly all in
# the kernel, against 2.2 s without them). jemalloc asks for small pages. On a 1,000,000-person
# bank, each a fresh process, alternating: the raw gates of day 2 13.5-13.9 s (8.2-9.0 s of it
# in the kernel) -> 7.3-7.9 s (1.8-2.0 s); the extraction of day 1's core, card and channel
# batches 19.0-19.9 s -> 16.3-17.1 s. mimalloc without purging (MIMALLOC_PURGE_DELAY=-1) did
# not help (bench/README.md, 2026-12-01).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
