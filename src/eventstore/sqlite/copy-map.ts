// How much of a log copy a one-pass reader maps into memory (the backup's quick check, a copy's check and count): they
// read every page, or a whole index, once, and a map saves a copy of each page into SQLite's cache (about 40 % of a
// quick check's time here). Larger than any log this serves, so the whole file is mapped.
export const COPY_MMAP_BYTES = 2_000_000_000;
