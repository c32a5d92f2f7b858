package store

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"dramabot/knowledge"
	"dramabot/knowledge/records"
)

// Snapshot layout, one file:
//
//	magic "DRAMABOT-SNAPSHOT-3\n"
//	body:
//	  header     uvarint length, then gob(snapshotHeader)
//	  entries    the passages and their hashes: uvarint-length-prefixed
//	             strings (id, source id, heading, text, hash), uvarint
//	             ordinal, uvarint page
//	  vectors    passages × dim float32
//	  doc lens   passages float32
//	  terms      uvarint-length-prefixed strings, in term id order
//	  offsets    terms+1 int32
//	  docs, tfs  postings int32, postings uint16
//	  records    gob(snapshotRecords): the figure records of each passage
//	trailer: body length u64, 0 u64, CRC-32C of the body u32, "END."
//
// Numbers are little-endian. The CRC is checked, in a first pass over the
// file, before anything is decoded; the body is then read as a stream, so
// neither writing nor loading holds a second copy of the index in memory.
// (Version 1 gob-encoded the manifest and used chromem-go's export, which
// buffered the whole index in memory: about 7 s and several hundred MiB to
// save or load 100k passages. Version 2 had neither pages nor figure
// records.)
const (
	snapshotName  = "index.snapshot"
	snapshotMagic = "DRAMABOT-SNAPSHOT-3\n"
	// snapshotMagicV1 and V2 are previous formats: recognised, and
	// rebuilt.
	snapshotMagicV1 = "DRAMABOT-SNAPSHOT-1\n"
	snapshotMagicV2 = "DRAMABOT-SNAPSHOT-2\n"
	trailerLen      = 8 + 8 + 4 + 4
	trailerEnd      = "END."
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// snapshotHeader describes the index and the sizes of the sections after it.
type snapshotHeader struct {
	Embedder     string
	Dim          int
	BuiltAt      time.Time
	Sources      []knowledge.Source
	Passages     int
	EntriesBytes int64
	Terms        int
	TermsBytes   int64
	Postings     int
	AvgLen       float64
	// RecordsVersion is the records.Version the records were read with;
	// empty when the store kept none. RecordsBytes is their section's
	// size.
	RecordsVersion string
	RecordsBytes   int64
}

// snapshotRecords is the records section: Counts[i] records of Records
// belong to passage i, in passage order.
type snapshotRecords struct {
	Counts  []int
	Records []records.Record
}

// SnapshotPath is where the snapshot of a data dir lives.
func SnapshotPath(dir string) string { return filepath.Join(dir, snapshotName) }

// saveSnapshot writes idx to a temp file, fsyncs it and renames it over the
// snapshot, so a crash leaves either the old or the new snapshot whole.
func (s *Store) saveSnapshot(idx *index) (err error) {
	if err := os.MkdirAll(s.opts.Dir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	// Holding the save lock (shared) while the temp file exists tells a
	// store opening this data dir that the temp file is being written
	// (see removeStaleTemps). Without file locks, or when the lock file
	// cannot be made, the save goes ahead: only the cleanup is coarser.
	if unlock, err := lockFile(filepath.Join(s.opts.Dir, saveLockName), false); err == nil {
		defer unlock()
	}
	tmp, err := os.CreateTemp(s.opts.Dir, snapshotName+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temp snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if _, err := bw.WriteString(snapshotMagic); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	crc := crc32.New(crcTable)
	body := &snapshotWriter{w: io.MultiWriter(bw, crc)}
	writeBody(body, idx)
	if body.err != nil {
		return fmt.Errorf("write snapshot: %w", body.err)
	}
	var trailer [trailerLen]byte
	binary.LittleEndian.PutUint64(trailer[0:], uint64(body.n))
	binary.LittleEndian.PutUint32(trailer[16:], crc.Sum32())
	copy(trailer[20:], trailerEnd)
	if _, err := bw.Write(trailer[:]); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), SnapshotPath(s.opts.Dir)); err != nil {
		return fmt.Errorf("rename snapshot: %w", err)
	}
	// Make the rename itself durable.
	if d, err := os.Open(s.opts.Dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// snapshotWriter counts what it writes and keeps the first error, so the
// encoder can write section after section and check once.
type snapshotWriter struct {
	w   io.Writer
	n   int64
	err error
	buf []byte
}

func (sw *snapshotWriter) Write(p []byte) (int, error) {
	if sw.err != nil {
		return 0, sw.err
	}
	n, err := sw.w.Write(p)
	sw.n += int64(n)
	sw.err = err
	return n, err
}

// flush writes sw.buf when it is full enough (or when force is set).
func (sw *snapshotWriter) flush(force bool) {
	if len(sw.buf) >= 64<<10 || force && len(sw.buf) > 0 {
		sw.Write(sw.buf)
		sw.buf = sw.buf[:0]
	}
}

func (sw *snapshotWriter) str(s string) {
	sw.buf = binary.AppendUvarint(sw.buf, uint64(len(s)))
	if len(s) > 32<<10 {
		sw.flush(true)
		io.WriteString(sw, s)
		return
	}
	sw.buf = append(sw.buf, s...)
	sw.flush(false)
}

func (sw *snapshotWriter) uvarint(v uint64) {
	sw.buf = binary.AppendUvarint(sw.buf, v)
	sw.flush(false)
}

func (sw *snapshotWriter) float32s(vs []float32) {
	for _, v := range vs {
		sw.buf = binary.LittleEndian.AppendUint32(sw.buf, math.Float32bits(v))
		sw.flush(false)
	}
}

func (sw *snapshotWriter) int32s(vs []int32) {
	for _, v := range vs {
		sw.buf = binary.LittleEndian.AppendUint32(sw.buf, uint32(v))
		sw.flush(false)
	}
}

func (sw *snapshotWriter) uint16s(vs []uint16) {
	for _, v := range vs {
		sw.buf = binary.LittleEndian.AppendUint16(sw.buf, v)
		sw.flush(false)
	}
}

func uvarintLen(v uint64) int64 {
	n := int64(1)
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func strLen(s string) int64 { return uvarintLen(uint64(len(s))) + int64(len(s)) }

func entryFields(e *entry) [5]string {
	return [5]string{e.Passage.ID, e.Passage.SourceID, e.Passage.Heading, e.Passage.Text, e.Hash}
}

// termsInOrder lists the lexicon's terms by id.
func termsInOrder(lx *lexicon) []string {
	terms := make([]string, len(lx.Terms))
	for t, id := range lx.Terms {
		terms[id] = t
	}
	return terms
}

func writeBody(sw *snapshotWriter, idx *index) {
	lx := idx.lex
	terms := termsInOrder(lx)
	h := snapshotHeader{
		Embedder: idx.embedder, Dim: idx.dim, BuiltAt: idx.builtAt, Sources: idx.sources,
		Passages: len(idx.entries), Terms: len(terms), Postings: len(lx.Docs), AvgLen: lx.AvgLen,
	}
	for i := range idx.entries {
		for _, f := range entryFields(&idx.entries[i]) {
			h.EntriesBytes += strLen(f)
		}
		h.EntriesBytes += uvarintLen(uint64(idx.entries[i].Passage.Ordinal)) + uvarintLen(uint64(max(idx.entries[i].Passage.Page, 0)))
	}
	// The records are encoded first, to know their size; they are a
	// small part of the index next to the vectors and postings.
	var rb strings.Builder
	if len(idx.entries) == 0 || idx.entries[0].Records != nil {
		sr := snapshotRecords{Counts: make([]int, len(idx.entries)), Records: idx.records}
		for i := range idx.entries {
			sr.Counts[i] = len(idx.entries[i].Records)
		}
		if err := gob.NewEncoder(&rb).Encode(sr); err != nil {
			sw.err = err
			return
		}
		h.RecordsVersion, h.RecordsBytes = records.Version, int64(rb.Len())
	}
	for _, t := range terms {
		h.TermsBytes += strLen(t)
	}
	var hb strings.Builder
	if err := gob.NewEncoder(&hb).Encode(h); err != nil {
		sw.err = err
		return
	}
	sw.str(hb.String())
	for i := range idx.entries {
		for _, f := range entryFields(&idx.entries[i]) {
			sw.str(f)
		}
		sw.uvarint(uint64(idx.entries[i].Passage.Ordinal))
		sw.uvarint(uint64(max(idx.entries[i].Passage.Page, 0)))
	}
	for _, v := range idx.vectors {
		sw.float32s(v)
	}
	sw.float32s(lx.DocLen)
	for _, t := range terms {
		sw.str(t)
	}
	sw.int32s(lx.Offsets)
	sw.int32s(lx.Docs)
	sw.uint16s(lx.TFs)
	sw.flush(true)
	io.WriteString(sw, rb.String())
}

// errCorrupt marks a snapshot that cannot be trusted.
var errCorrupt = errors.New("snapshot is corrupt")

// loadSnapshot reads the snapshot. It returns (nil, nil) when there is
// none, and an error when there is one that cannot be used; a corrupt file
// is then moved aside (".corrupt") so it is kept for inspection and never
// read again.
func (s *Store) loadSnapshot() (*index, error) {
	path := SnapshotPath(s.opts.Dir)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	idx, err := s.decodeSnapshot(f)
	f.Close()
	if err != nil {
		if errors.Is(err, errCorrupt) {
			aside := path + ".corrupt"
			if rerr := os.Rename(path, aside); rerr == nil {
				err = fmt.Errorf("%w (moved to %s)", err, aside)
			}
		}
		return nil, err
	}
	return idx, nil
}

func (s *Store) decodeSnapshot(f *os.File) (*index, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	size := info.Size()
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(f, magic); err != nil || size < int64(len(snapshotMagic)+trailerLen) {
		return nil, fmt.Errorf("%w: not a dramabot snapshot, or truncated", errCorrupt)
	}
	if string(magic) == snapshotMagicV1 || string(magic) == snapshotMagicV2 {
		return nil, errors.New("snapshot is in an older format: rebuilding it")
	}
	if string(magic) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a dramabot snapshot, or truncated", errCorrupt)
	}
	var tr [trailerLen]byte
	if _, err := f.ReadAt(tr[:], size-trailerLen); err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	if string(tr[20:]) != trailerEnd {
		return nil, fmt.Errorf("%w: truncated (no trailer)", errCorrupt)
	}
	bodyLen := int64(binary.LittleEndian.Uint64(tr[0:]))
	if bodyLen != size-int64(len(snapshotMagic))-trailerLen || binary.LittleEndian.Uint64(tr[8:]) != 0 {
		return nil, fmt.Errorf("%w: section lengths do not match the file size", errCorrupt)
	}
	body := io.NewSectionReader(f, int64(len(snapshotMagic)), bodyLen)
	crc := crc32.New(crcTable)
	if _, err := io.CopyBuffer(crc, body, make([]byte, 1<<20)); err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	if crc.Sum32() != binary.LittleEndian.Uint32(tr[16:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	return s.decodeBody(&snapshotReader{r: bufio.NewReaderSize(body, 1<<20), left: bodyLen})
}

// snapshotReader reads the sections of a body whose checksum has been
// verified; it still refuses lengths beyond the end of the body, so a
// damaged or forged file cannot make it allocate without bound.
type snapshotReader struct {
	r    *bufio.Reader
	left int64
	err  error
	buf  []byte
}

func (sr *snapshotReader) fail(err error) {
	if sr.err == nil {
		sr.err = err
	}
}

func (sr *snapshotReader) take(n int64) bool {
	if sr.err != nil {
		return false
	}
	if n < 0 || n > sr.left {
		sr.fail(errors.New("a section runs past the end of the file"))
		return false
	}
	sr.left -= n
	return true
}

func (sr *snapshotReader) uvarint() uint64 {
	if sr.err != nil {
		return 0
	}
	var v uint64
	var shift uint
	for i := 0; ; i++ {
		if !sr.take(1) {
			return 0
		}
		b, err := sr.r.ReadByte()
		if err != nil || i == binary.MaxVarintLen64 {
			sr.fail(errors.New("bad length"))
			return 0
		}
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
		shift += 7
	}
}

// blob reads n bytes as one string: the strings of a section are then cut
// from it without an allocation each.
func (sr *snapshotReader) blob(n int64) string {
	if !sr.take(n) {
		return ""
	}
	var b strings.Builder
	b.Grow(int(n))
	if _, err := io.CopyN(&b, sr.r, n); err != nil {
		sr.fail(err)
		return ""
	}
	return b.String()
}

// fixed reads n values of size bytes each, handing each chunk to f.
func (sr *snapshotReader) fixed(n, size int, f func(chunk []byte)) {
	if !sr.take(int64(n) * int64(size)) {
		return
	}
	if cap(sr.buf) < 64<<10 {
		sr.buf = make([]byte, 64<<10)
	}
	per := len(sr.buf[:cap(sr.buf)]) / size
	for n > 0 {
		k := min(n, per)
		chunk := sr.buf[:k*size]
		if _, err := io.ReadFull(sr.r, chunk); err != nil {
			sr.fail(err)
			return
		}
		f(chunk)
		n -= k
	}
}

func (sr *snapshotReader) float32s(out []float32) {
	i := 0
	sr.fixed(len(out), 4, func(c []byte) {
		for ; len(c) > 0; c = c[4:] {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(c))
			i++
		}
	})
}

func (sr *snapshotReader) int32s(out []int32) {
	i := 0
	sr.fixed(len(out), 4, func(c []byte) {
		for ; len(c) > 0; c = c[4:] {
			out[i] = int32(binary.LittleEndian.Uint32(c))
			i++
		}
	})
}

func (sr *snapshotReader) uint16s(out []uint16) {
	i := 0
	sr.fixed(len(out), 2, func(c []byte) {
		for ; len(c) > 0; c = c[2:] {
			out[i] = binary.LittleEndian.Uint16(c)
			i++
		}
	})
}

// cutter reads uvarint-prefixed strings out of a blob.
type cutter struct {
	s   string
	err error
}

func (c *cutter) uvarint() uint64 {
	var v uint64
	var shift uint
	for i := 0; i < len(c.s) && i < binary.MaxVarintLen64; i++ {
		b := c.s[i]
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			c.s = c.s[i+1:]
			return v
		}
		shift += 7
	}
	c.err = errors.New("bad length")
	c.s = ""
	return 0
}

func (c *cutter) str() string {
	n := c.uvarint()
	if n > uint64(len(c.s)) {
		c.err = errors.New("a string runs past its section")
		c.s = ""
		return ""
	}
	out := c.s[:n]
	c.s = c.s[n:]
	return out
}

func (s *Store) decodeBody(sr *snapshotReader) (*index, error) {
	corrupt := func(what string, err error) error { return fmt.Errorf("%w: %s: %w", errCorrupt, what, err) }
	var h snapshotHeader
	hb := sr.blob(int64(sr.uvarint()))
	if sr.err != nil {
		return nil, corrupt("manifest", sr.err)
	}
	if err := gob.NewDecoder(strings.NewReader(hb)).Decode(&h); err != nil {
		return nil, corrupt("manifest", err)
	}
	if h.Embedder != s.opts.Embedder.Name {
		return nil, fmt.Errorf("snapshot was built with embedder %q, not %q: re-embedding", h.Embedder, s.opts.Embedder.Name)
	}
	// The sizes the header announces must add up to the body exactly
	// before anything that large is allocated.
	if h.Passages < 0 || h.Dim < 0 || h.Dim > 1<<16 || h.Terms < 0 || h.Postings < 0 || h.EntriesBytes < 0 || h.TermsBytes < 0 || h.RecordsBytes < 0 ||
		int64(h.Passages) > sr.left || int64(h.Terms) > sr.left || int64(h.Postings) > sr.left ||
		h.EntriesBytes+int64(h.Passages)*int64(h.Dim)*4+int64(h.Passages)*4+h.TermsBytes+int64(h.Terms+1)*4+int64(h.Postings)*6+h.RecordsBytes != sr.left {
		return nil, fmt.Errorf("%w: manifest sizes do not match the file", errCorrupt)
	}

	idx := &index{embedder: h.Embedder, dim: h.Dim, builtAt: h.BuiltAt, sources: h.Sources}
	entries := cutter{s: sr.blob(h.EntriesBytes)}
	idx.entries = make([]entry, h.Passages)
	for i := range idx.entries {
		e := &idx.entries[i]
		e.Passage.ID, e.Passage.SourceID, e.Passage.Heading, e.Passage.Text, e.Hash =
			entries.str(), entries.str(), entries.str(), entries.str(), entries.str()
		e.Passage.Ordinal = int(entries.uvarint())
		e.Passage.Page = int(entries.uvarint())
	}
	if entries.err != nil || entries.s != "" {
		return nil, corrupt("passages", cmpErr(entries.err, "trailing bytes"))
	}
	matrix := make([]float32, h.Passages*h.Dim)
	sr.float32s(matrix)
	idx.vectors = make([][]float32, h.Passages)
	for i := range idx.vectors {
		idx.vectors[i] = matrix[i*h.Dim : (i+1)*h.Dim : (i+1)*h.Dim]
	}

	lx := &lexicon{Terms: make(map[string]int32, h.Terms), DocLen: make([]float32, h.Passages), AvgLen: h.AvgLen}
	sr.float32s(lx.DocLen)
	terms := cutter{s: sr.blob(h.TermsBytes)}
	for id := 0; id < h.Terms; id++ {
		lx.Terms[terms.str()] = int32(id)
	}
	if terms.err != nil || terms.s != "" || len(lx.Terms) != h.Terms {
		return nil, corrupt("lexicon", cmpErr(terms.err, "terms do not match the manifest"))
	}
	lx.Offsets = make([]int32, h.Terms+1)
	lx.Docs = make([]int32, h.Postings)
	lx.TFs = make([]uint16, h.Postings)
	sr.int32s(lx.Offsets)
	sr.int32s(lx.Docs)
	sr.uint16s(lx.TFs)
	rb := sr.blob(h.RecordsBytes)
	if sr.err != nil {
		return nil, corrupt("sections", sr.err)
	}
	if err := lx.check(); err != nil {
		return nil, corrupt("lexicon", err)
	}
	idx.lex = lx

	db := chromem.NewDB()
	col, err := db.CreateCollection(collectionName, map[string]string{"embedder": h.Embedder}, s.opts.Embedder.Embed)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	idx.db, idx.col = db, col
	if err := addVectors(context.Background(), col, idx.entries, idx.vectors); err != nil {
		return nil, corrupt("vectors", err)
	}
	idx.byID = make(map[string]int32, len(idx.entries))
	for i, e := range idx.entries {
		idx.byID[e.Passage.ID] = int32(i)
	}
	if len(idx.byID) != len(idx.entries) {
		return nil, fmt.Errorf("%w: passage ids repeat", errCorrupt)
	}
	idx.srcIndex = make(map[string]int, len(idx.sources))
	for i, src := range idx.sources {
		if _, ok := idx.srcIndex[src.ID]; !ok {
			idx.srcIndex[src.ID] = i
		}
	}
	if err := s.loadRecords(idx, h, rb); err != nil {
		return nil, err
	}
	return idx, nil
}

// loadRecords sets the entries' figure records from the records section,
// or, when the snapshot has none or was read with other rules, reads them
// again from its passages (the next Sync then saves them).
func (s *Store) loadRecords(idx *index, h snapshotHeader, rb string) error {
	if s.opts.NoRecords {
		return nil
	}
	if h.RecordsVersion != records.Version {
		srcs := make([]knowledge.Source, len(idx.entries))
		for i := range idx.entries {
			srcs[i] = idx.source(idx.entries[i].Passage.SourceID)
		}
		parallel(len(idx.entries), func(i int) {
			idx.entries[i].Records = passageRecords(srcs[i], idx.entries[i].Passage)
		})
		idx.collectRecords()
		s.unsaved = true
		return nil
	}
	var sec snapshotRecords
	if err := gob.NewDecoder(strings.NewReader(rb)).Decode(&sec); err != nil {
		return fmt.Errorf("%w: records: %w", errCorrupt, err)
	}
	if len(sec.Counts) != len(idx.entries) {
		return fmt.Errorf("%w: records do not match the passages", errCorrupt)
	}
	if sec.Records == nil {
		sec.Records = []records.Record{} // read, and none found
	}
	at := 0
	for i, n := range sec.Counts {
		if n < 0 || at+n > len(sec.Records) {
			return fmt.Errorf("%w: records do not match the passages", errCorrupt)
		}
		idx.entries[i].Records = sec.Records[at : at+n : at+n]
		at += n
	}
	if at != len(sec.Records) {
		return fmt.Errorf("%w: records do not match the passages", errCorrupt)
	}
	idx.records = sec.Records
	return nil
}

func cmpErr(err error, otherwise string) error {
	if err != nil {
		return err
	}
	return errors.New(otherwise)
}

// check verifies that the postings point inside the index, so a search can
// never index out of range.
func (lx *lexicon) check() error {
	n := int32(len(lx.DocLen))
	if len(lx.Offsets) == 0 || lx.Offsets[0] != 0 || int(lx.Offsets[len(lx.Offsets)-1]) != len(lx.Docs) {
		return errors.New("postings offsets do not match")
	}
	for i := 1; i < len(lx.Offsets); i++ {
		if lx.Offsets[i] < lx.Offsets[i-1] {
			return errors.New("postings offsets decrease")
		}
	}
	for _, d := range lx.Docs {
		if d < 0 || d >= n {
			return errors.New("a posting names a passage the index does not hold")
		}
	}
	return nil
}

// saveLockName is the file in the data dir that a save holds a shared lock
// on while its temp snapshot exists.
const saveLockName = snapshotName + ".lock"

// staleTempAge is how old a temp snapshot must be to be called stale when
// the save lock cannot tell: no process writes one for that long.
const staleTempAge = 10 * time.Minute

// removeStaleTemps deletes the temp snapshots a crash left (a process
// killed while saving leaves one, as large as a snapshot). When it gets the
// save lock exclusively, no process is saving, so every temp snapshot is
// left over and goes. When another process holds the lock it may be
// writing one right now, and (as where there are no file locks) only temp
// snapshots older than staleTempAge go.
func (s *Store) removeStaleTemps() {
	pattern := filepath.Join(s.opts.Dir, snapshotName+".tmp-*")
	if matches, _ := filepath.Glob(pattern); len(matches) == 0 {
		return // and no lock file is made in a data dir that needs none
	}
	idle := false
	if unlock, err := lockFile(filepath.Join(s.opts.Dir, saveLockName), true); err == nil {
		defer unlock()
		idle = true
	}
	matches, _ := filepath.Glob(pattern)
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil || !idle && time.Since(fi.ModTime()) <= staleTempAge {
			continue
		}
		if os.Remove(m) == nil {
			s.log.Info("removed a temp snapshot left by a crash", "file", filepath.Base(m))
		}
	}
}
