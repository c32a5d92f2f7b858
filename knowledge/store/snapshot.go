package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"dramabot/knowledge"
)

// Snapshot layout, one file:
//
//	magic | manifest (gob) | vectors (chromem-go export, gob) |
//	trailer: manifest length u64, vectors length u64, CRC-32C of both u32, "END."
//
// The CRC catches truncation and bit rot before anything is decoded.
const (
	snapshotName  = "index.snapshot"
	snapshotMagic = "DRAMABOT-SNAPSHOT-1\n"
	trailerLen    = 8 + 8 + 4 + 4
	trailerEnd    = "END."
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// manifest is the part of the snapshot dramabot owns.
type manifest struct {
	Embedder string
	Dim      int
	BuiltAt  time.Time
	Sources  []knowledge.Source
	Entries  []entry
	Lexicon  *lexicon
}

// SnapshotPath is where the snapshot of a data dir lives.
func SnapshotPath(dir string) string { return filepath.Join(dir, snapshotName) }

// saveSnapshot writes idx to a temp file, fsyncs it and renames it over the
// snapshot, so a crash leaves either the old or the new snapshot whole.
func (s *Store) saveSnapshot(idx *index) (err error) {
	if err := os.MkdirAll(s.opts.Dir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
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
	crc := crc32.New(crcTable)
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if _, err := bw.WriteString(snapshotMagic); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	body := io.MultiWriter(bw, crc)
	n1, err := writeCounted(body, func(w io.Writer) error {
		return gob.NewEncoder(w).Encode(manifest{
			Embedder: idx.embedder, Dim: idx.dim, BuiltAt: idx.builtAt,
			Sources: idx.sources, Entries: idx.entries, Lexicon: idx.lex,
		})
	})
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	n2, err := writeCounted(body, func(w io.Writer) error {
		return idx.db.ExportToWriter(w, false, "", collectionName)
	})
	if err != nil {
		return fmt.Errorf("write vectors: %w", err)
	}
	var trailer [trailerLen]byte
	binary.LittleEndian.PutUint64(trailer[0:], uint64(n1))
	binary.LittleEndian.PutUint64(trailer[8:], uint64(n2))
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

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeCounted(w io.Writer, f func(io.Writer) error) (int64, error) {
	cw := &countingWriter{w: w}
	err := f(cw)
	return cw.n, err
}

// errCorrupt marks a snapshot that cannot be trusted.
var errCorrupt = errors.New("snapshot is corrupt")

// loadSnapshot reads the snapshot. It returns (nil, nil) when there is
// none, and an error when there is one that cannot be used; the file is
// then moved aside (".corrupt") so it is kept for inspection and never read
// again.
func (s *Store) loadSnapshot() (*index, error) {
	path := SnapshotPath(s.opts.Dir)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	idx, err := s.decodeSnapshot(data)
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

func (s *Store) decodeSnapshot(data []byte) (*index, error) {
	if len(data) < len(snapshotMagic)+trailerLen || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a dramabot snapshot, or truncated", errCorrupt)
	}
	tr := data[len(data)-trailerLen:]
	if string(tr[20:]) != trailerEnd {
		return nil, fmt.Errorf("%w: truncated (no trailer)", errCorrupt)
	}
	n1 := binary.LittleEndian.Uint64(tr[0:])
	n2 := binary.LittleEndian.Uint64(tr[8:])
	body := data[len(snapshotMagic) : len(data)-trailerLen]
	if n1+n2 != uint64(len(body)) {
		return nil, fmt.Errorf("%w: section lengths do not match the file size", errCorrupt)
	}
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(tr[16:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	var m manifest
	if err := gob.NewDecoder(bytes.NewReader(body[:n1])).Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %w", errCorrupt, err)
	}
	if m.Embedder != s.opts.Embedder.Name {
		return nil, fmt.Errorf("snapshot was built with embedder %q, not %q: re-embedding", m.Embedder, s.opts.Embedder.Name)
	}
	db := chromem.NewDB()
	if err := db.ImportFromReader(bytes.NewReader(body[n1:]), ""); err != nil {
		return nil, fmt.Errorf("%w: vectors: %w", errCorrupt, err)
	}
	// An imported collection has no embedding function; without one
	// chromem-go would call OpenAI.
	col := db.GetCollection(collectionName, s.opts.Embedder.Embed)
	if col == nil {
		return nil, fmt.Errorf("%w: no %q collection", errCorrupt, collectionName)
	}
	if col.Count() != len(m.Entries) {
		return nil, fmt.Errorf("%w: manifest lists %d passages, the vectors %d", errCorrupt, len(m.Entries), col.Count())
	}
	if m.Lexicon == nil || m.Lexicon.size() != len(m.Entries) {
		return nil, fmt.Errorf("%w: lexicon does not match the manifest", errCorrupt)
	}
	idx := &index{db: db, col: col, embedder: m.Embedder, dim: m.Dim}
	idx.entries, idx.sources, idx.lex = m.Entries, m.Sources, m.Lexicon
	idx.byID = make(map[string]int32, len(m.Entries))
	for i, e := range m.Entries {
		idx.byID[e.Passage.ID] = int32(i)
	}
	idx.srcIndex = make(map[string]int, len(m.Sources))
	for i, src := range m.Sources {
		if _, ok := idx.srcIndex[src.ID]; !ok {
			idx.srcIndex[src.ID] = i
		}
	}
	idx.builtAt = m.BuiltAt
	return idx, nil
}
