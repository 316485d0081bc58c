-- Blobs kept inside a pack file of the blob directory (packs/NAME) instead
-- of a file of their own: a BlobBatch appends the small blobs of a batch
-- to one pack. A blob is found by its SHA-256 here when it has no loose
-- file <sha[:2]>/<sha>.
CREATE TABLE blob_pack_entry (
    sha256      TEXT PRIMARY KEY,
    pack        TEXT NOT NULL,
    pack_offset INTEGER NOT NULL,
    size        INTEGER NOT NULL
);
