package r2

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	// The index of a disk bucket.
	_ "modernc.org/sqlite"
)

// Disk is a bucket in a directory: index.sqlite holds each object's
// metadata and names its blobs, immutable files under blobs/ (one per put,
// one per part of a multipart upload). Several processes may open the same
// directory (valet dev, `valet r2 object`): SQLite serialises their writes,
// and a blob is only deleted after no row names it.
type Disk struct {
	dir string
	db  *sql.DB
	now func() time.Time
}

const diskSchema = `
CREATE TABLE IF NOT EXISTS objects (
  key TEXT PRIMARY KEY, version TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  uploaded INTEGER NOT NULL, checksums TEXT NOT NULL, http TEXT NOT NULL, custom TEXT NOT NULL,
  blobs TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY, key TEXT NOT NULL, http TEXT NOT NULL, custom TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, md5 TEXT NOT NULL, PRIMARY KEY (upload_id, part_number));
`

// Upload states.
const (
	uploadInProgress = 0
	uploadCompleted  = 1
	uploadAborted    = 2
)

// blobRef is one blob of an object's value, in order.
type blobRef struct {
	ID   string `json:"id"`
	Size int64  `json:"size"`
}

// OpenDisk opens (creating it if needed) the bucket kept in dir.
func OpenDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(filepath.Join(dir, "blobs"), 0o755); err != nil {
		return nil, fmt.Errorf("r2 bucket %s: %w", dir, err)
	}
	dsn := "file:" + filepath.Join(dir, "index.sqlite") +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("r2 bucket %s: %w", dir, err)
	}
	if _, err := db.Exec(diskSchema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("r2 bucket %s: index: %w", dir, err)
	}
	return &Disk{dir: dir, db: db, now: time.Now}, nil
}

// Close closes the index.
func (d *Disk) Close() error { return d.db.Close() }

func (d *Disk) blobPath(id string) string { return filepath.Join(d.dir, "blobs", id) }

// writeBlob writes body to a new blob, hashing it; it must be size bytes.
func (d *Disk) writeBlob(body io.Reader, size int64, h io.Writer) (string, error) {
	id := randomHex(16)
	f, err := os.CreateTemp(filepath.Join(d.dir, "blobs"), ".tmp-")
	if err != nil {
		return "", err
	}
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if err == nil && n != size {
		err = fmt.Errorf("value is %d bytes, expected %d", n, size)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), d.blobPath(id))
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return id, nil
}

// removeBlobs deletes blobs no row names any more. A reader that opened
// one keeps reading it (unlinked files stay readable while open).
func (d *Disk) removeBlobs(ids []string) {
	for _, id := range ids {
		_ = os.Remove(d.blobPath(id))
	}
}

const objectColumns = "key, version, size, etag, uploaded, checksums, http, custom, blobs"

type rowScanner interface{ Scan(...any) error }

func scanObject(r rowScanner) (*Object, []blobRef, error) {
	var o Object
	var checksums, httpm, custom, blobs string
	if err := r.Scan(&o.Key, &o.Version, &o.Size, &o.ETag, &o.Uploaded, &checksums, &httpm, &custom, &blobs); err != nil {
		return nil, nil, err
	}
	var refs []blobRef
	for _, x := range []struct {
		s string
		v any
	}{{checksums, &o.Checksums}, {httpm, &o.HTTP}, {custom, &o.Custom}, {blobs, &refs}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return nil, nil, fmt.Errorf("r2 index: object %q: %w", o.Key, err)
		}
	}
	return &o, refs, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (d *Disk) lookup(ctx context.Context, q querier, key string) (*Object, []blobRef, error) {
	o, refs, err := scanObject(q.QueryRowContext(ctx, "SELECT "+objectColumns+" FROM objects WHERE key = ?", key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	}
	return o, refs, err
}

// Head returns an object's metadata.
func (d *Disk) Head(ctx context.Context, key string) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	o, _, err := d.lookup(ctx, d.db, key)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, errNoSuchKey()
	}
	o.Range = &Range{Offset: u64(0), Length: u64(o.Size)}
	return withMD5(o), nil
}

// withMD5 fills the MD5 checksum of a single-part object from its ETag.
func withMD5(o *Object) *Object {
	if len(o.ETag) == 32 {
		o.Checksums.MD5 = o.ETag
	}
	return o
}

// Get returns an object and the bytes asked for.
func (d *Disk) Get(ctx context.Context, key string, opts GetOptions) (*Object, io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, nil, err
	}
	// A blob deleted between reading its row and opening it belongs to an
	// object replaced in between: read the row again.
	for attempt := 0; ; attempt++ {
		o, refs, err := d.lookup(ctx, d.db, key)
		if err != nil {
			return nil, nil, err
		}
		if o == nil {
			return nil, nil, errNoSuchKey()
		}
		withMD5(o)
		if !opts.OnlyIf.Matches(o) {
			e := errPreconditionFailed()
			o.Range = &Range{Offset: u64(0), Length: u64(o.Size)}
			e.Object = o
			return nil, nil, e
		}
		s, ranged, err := resolveRange(opts.Range, opts.RangeHeader, o.Size)
		if err != nil {
			return nil, nil, err
		}
		if !ranged {
			s = span{0, o.Size - 1}
		}
		o.Range = &Range{Offset: u64(s.start), Length: u64(s.end - s.start + 1)}
		body, err := d.open(refs, s)
		if errors.Is(err, fs.ErrNotExist) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		return o, body, nil
	}
}

// open returns the bytes s of the value made of refs, opening every blob
// it needs now so that a later delete cannot take one away.
func (d *Disk) open(refs []blobRef, s span) (io.ReadCloser, error) {
	var files []*os.File
	var readers []io.Reader
	closeAll := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	var start int64
	for _, r := range refs {
		end := start + r.Size - 1
		if r.Size > 0 && start <= s.end && s.start <= end {
			f, err := os.Open(d.blobPath(r.ID))
			if err != nil {
				closeAll()
				return nil, err
			}
			files = append(files, f)
			from := max(s.start, start) - start
			to := min(s.end, end) - start
			readers = append(readers, io.NewSectionReader(f, from, to-from+1))
		}
		start = end + 1
	}
	return &multiFile{Reader: io.MultiReader(readers...), files: files}, nil
}

type multiFile struct {
	io.Reader
	files []*os.File
}

func (m *multiFile) Close() error {
	var errs []error
	for _, f := range m.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// Put stores a value.
func (d *Disk) Put(ctx context.Context, key string, body io.Reader, size int64, opts PutOptions) (*Object, error) {
	if err := checkPut(key, size, opts); err != nil {
		return nil, err
	}
	h := newHasher(opts)
	id, err := d.writeBlob(body, size, h)
	if err != nil {
		return nil, fmt.Errorf("r2 put %q: %w", key, err)
	}
	checksums, err := h.checksums()
	if err != nil {
		d.removeBlobs([]string{id})
		return nil, err
	}
	o := &Object{Key: key, Version: randomHex(16), Size: size, ETag: h.md5(), Uploaded: d.now().UnixMilli(),
		HTTP: opts.HTTP, Custom: opts.Custom, Checksums: checksums}
	old, err := d.store(ctx, o, []blobRef{{ID: id, Size: size}}, opts.OnlyIf, nil)
	if err != nil {
		d.removeBlobs([]string{id})
		return nil, err
	}
	d.removeBlobs(old)
	return withMD5(o), nil
}

// store writes o's row when cond holds, in one transaction with then (if
// any), and returns the blobs of the object it replaced.
func (d *Disk) store(ctx context.Context, o *Object, refs []blobRef, cond *Conditional, then func(*sql.Tx) ([]string, error)) ([]string, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	prev, prevRefs, err := d.lookup(ctx, tx, o.Key)
	if err != nil {
		return nil, err
	}
	if cond != nil && !cond.Matches(prev) {
		return nil, errPreconditionFailed()
	}
	custom := o.Custom
	if custom == nil {
		custom = []Record{}
	}
	args := []any{o.Key, o.Version, o.Size, o.ETag, o.Uploaded, mustJSON(o.Checksums), mustJSON(o.HTTP), mustJSON(custom), mustJSON(refs)}
	if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO objects ("+objectColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", args...); err != nil {
		return nil, err
	}
	var old []string
	for _, r := range prevRefs {
		old = append(old, r.ID)
	}
	if then != nil {
		more, err := then(tx)
		if err != nil {
			return nil, err
		}
		old = append(old, more...)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return old, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs, slices and strings are given
	}
	return string(b)
}

// Delete removes keys (absent keys are no error).
func (d *Disk) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return err
		}
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var old []string
	for _, k := range keys {
		_, refs, err := d.lookup(ctx, tx, k)
		if err != nil {
			return err
		}
		for _, r := range refs {
			old = append(old, r.ID)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM objects WHERE key = ?", k); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	d.removeBlobs(old)
	return nil
}

// List returns a page of keys in order.
func (d *Disk) List(ctx context.Context, opts ListOptions) (*ListResult, error) {
	limit, err := opts.limitFor()
	if err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, "SELECT "+objectColumns+" FROM objects WHERE key > ? AND substr(key, 1, length(?)) = ? ORDER BY key",
		opts.startAfter(), opts.Prefix, opts.Prefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &ListResult{DelimitedPrefixes: []string{}, Objects: []*Object{}}
	// entries are objects and delimited prefixes in key order; lastKey is
	// the last key each covers, where the next page starts.
	var lastKeys []string
	entries, lastPrefix := 0, ""
	for rows.Next() {
		o, _, err := scanObject(rows)
		if err != nil {
			return nil, err
		}
		if p := delimited(o.Key, opts.Prefix, opts.Delimiter); p != "" {
			if p == lastPrefix {
				lastKeys[len(lastKeys)-1] = o.Key
				continue
			}
			if entries == limit {
				res.Truncated = true
				break
			}
			lastPrefix = p
			entries++
			lastKeys = append(lastKeys, o.Key)
			res.DelimitedPrefixes = append(res.DelimitedPrefixes, p)
			continue
		}
		if entries == limit {
			res.Truncated = true
			break
		}
		lastPrefix = ""
		entries++
		lastKeys = append(lastKeys, o.Key)
		if !opts.IncludeHTTP {
			o.HTTP = HTTPMetadata{}
		}
		if !opts.IncludeCustom {
			o.Custom = nil
		}
		res.Objects = append(res.Objects, withMD5(o))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if res.Truncated {
		res.Cursor = encodeCursor(lastKeys[len(lastKeys)-1])
	}
	return res, nil
}

// CreateMultipartUpload starts an upload of key.
func (d *Disk) CreateMultipartUpload(ctx context.Context, key string, opts PutOptions) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	id := randomID(128)
	custom := opts.Custom
	if custom == nil {
		custom = []Record{}
	}
	_, err := d.db.ExecContext(ctx, "INSERT INTO uploads (upload_id, key, http, custom) VALUES (?, ?, ?, ?)",
		id, key, mustJSON(opts.HTTP), mustJSON(custom))
	return id, err
}

// UploadPart stores one part of an upload in progress.
func (d *Disk) UploadPart(ctx context.Context, key, uploadID string, part int, body io.Reader, size int64) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	h := newHasher(PutOptions{})
	id, err := d.writeBlob(body, size, h)
	if err != nil {
		return "", fmt.Errorf("r2 upload part %d of %q: %w", part, key, err)
	}
	etag := randomID(128)
	old, err := d.putPart(ctx, key, uploadID, part, id, size, etag, h.md5())
	if err != nil {
		d.removeBlobs([]string{id})
		return "", err
	}
	d.removeBlobs(old)
	return etag, nil
}

func (d *Disk) putPart(ctx context.Context, key, uploadID string, part int, blob string, size int64, etag, md5 string) ([]string, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	var state int
	err = tx.QueryRowContext(ctx, "SELECT state FROM uploads WHERE upload_id = ? AND key = ?", uploadID, key).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && state != uploadInProgress) {
		return nil, errNoSuchUpload()
	}
	if err != nil {
		return nil, err
	}
	var old []string
	var prev string
	err = tx.QueryRowContext(ctx, "SELECT blob FROM parts WHERE upload_id = ? AND part_number = ?", uploadID, part).Scan(&prev)
	if err == nil {
		old = append(old, prev)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO parts (upload_id, part_number, blob, size, etag, md5) VALUES (?, ?, ?, ?, ?, ?)",
		uploadID, part, blob, size, etag, md5); err != nil {
		return nil, err
	}
	return old, tx.Commit()
}

type partRow struct {
	number int
	blob   string
	size   int64
	etag   string
	md5    string
}

// CompleteMultipartUpload makes the object of the parts named, in part
// order, under R2's rules: every part but the last at least MinPartSize
// and all of one size, the last no larger.
func (d *Disk) CompleteMultipartUpload(ctx context.Context, key, uploadID string, parts []Part) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var o *Object
	var refs []blobRef
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	var httpm, custom string
	var state int
	err = tx.QueryRowContext(ctx, "SELECT http, custom, state FROM uploads WHERE upload_id = ? AND key = ?", uploadID, key).Scan(&httpm, &custom, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errInternal()
	}
	if err != nil {
		return nil, err
	}
	if state > uploadInProgress {
		return nil, errNoSuchUpload()
	}
	seen := map[int]bool{}
	for _, p := range parts {
		if seen[p.Part] {
			return nil, errInternal()
		}
		seen[p.Part] = true
	}
	uploaded, err := d.parts(ctx, tx, uploadID)
	if err != nil {
		return nil, err
	}
	chosen := make([]partRow, 0, len(parts))
	for _, p := range parts {
		row, ok := uploaded[p.Part]
		if !ok || row.etag != p.ETag {
			return nil, errInvalidPart()
		}
		chosen = append(chosen, row)
	}
	for _, p := range chosen[:max(len(chosen)-1, 0)] {
		if p.size < MinPartSize {
			return nil, errEntityTooSmall()
		}
	}
	sort.Slice(chosen, func(i, j int) bool { return chosen[i].number < chosen[j].number })
	var partSize int64 = -1
	for _, p := range chosen[:max(len(chosen)-1, 0)] {
		if partSize < 0 {
			partSize = p.size
		}
		if p.size < MinPartSize || p.size != partSize {
			return nil, errBadUpload()
		}
	}
	if partSize >= 0 && chosen[len(chosen)-1].size > partSize {
		return nil, errBadUpload()
	}
	var total int64
	var md5s []string
	used := map[string]bool{}
	for _, p := range chosen {
		total += p.size
		md5s = append(md5s, p.md5)
		refs = append(refs, blobRef{ID: p.blob, Size: p.size})
		used[p.blob] = true
	}
	o = &Object{Key: key, Version: randomHex(16), Size: total, ETag: multipartETag(md5s), Uploaded: d.now().UnixMilli()}
	if err := json.Unmarshal([]byte(httpm), &o.HTTP); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(custom), &o.Custom); err != nil {
		return nil, err
	}
	_ = tx.Rollback()
	old, err := d.store(ctx, o, refs, nil, func(tx *sql.Tx) ([]string, error) {
		var unused []string
		for _, p := range uploaded {
			if !used[p.blob] {
				unused = append(unused, p.blob)
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM parts WHERE upload_id = ?", uploadID); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, "UPDATE uploads SET state = ? WHERE upload_id = ? AND state = ?", uploadCompleted, uploadID, uploadInProgress)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, errNoSuchUpload()
		}
		return unused, nil
	})
	if err != nil {
		return nil, err
	}
	d.removeBlobs(old)
	return o, nil
}

func (d *Disk) parts(ctx context.Context, tx *sql.Tx, uploadID string) (map[int]partRow, error) {
	rows, err := tx.QueryContext(ctx, "SELECT part_number, blob, size, etag, md5 FROM parts WHERE upload_id = ?", uploadID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]partRow{}
	for rows.Next() {
		var p partRow
		if err := rows.Scan(&p.number, &p.blob, &p.size, &p.etag, &p.md5); err != nil {
			return nil, err
		}
		out[p.number] = p
	}
	return out, rows.Err()
}

// AbortMultipartUpload drops an upload and its parts.
func (d *Disk) AbortMultipartUpload(ctx context.Context, key, uploadID string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var state int
	err = tx.QueryRowContext(ctx, "SELECT state FROM uploads WHERE upload_id = ? AND key = ?", uploadID, key).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return errInternal()
	}
	if err != nil {
		return err
	}
	if state > uploadInProgress {
		return nil
	}
	parts, err := d.parts(ctx, tx, uploadID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM parts WHERE upload_id = ?", uploadID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE uploads SET state = ? WHERE upload_id = ?", uploadAborted, uploadID); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	var old []string
	for _, p := range parts {
		old = append(old, p.blob)
	}
	d.removeBlobs(old)
	return nil
}

// Count returns the number of objects and their total size.
func (d *Disk) Count(ctx context.Context) (int64, int64, error) {
	var n, size int64
	err := d.db.QueryRowContext(ctx, "SELECT count(*), coalesce(sum(size), 0) FROM objects").Scan(&n, &size)
	return n, size, err
}
