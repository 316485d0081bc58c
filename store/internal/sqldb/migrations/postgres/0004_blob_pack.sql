-- Blobs kept inside a pack file of the blob directory (packs/...) instead
-- of a file of their own: a BlobBatch appends the blobs of a batch to its
-- two packs (pack = "YYYY-MM/NAME.pack"). A blob is found by its SHA-256
-- here when it has no file <sha[:2]>/<sha> of its own.
CREATE TABLE blob_pack_entry (
    sha256      TEXT PRIMARY KEY,
    pack        TEXT NOT NULL,
    pack_offset BIGINT NOT NULL,
    size        BIGINT NOT NULL
);
