package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"dramabot/knowledge"
)

// TestSearchDuringSync searches without pause while Sync swaps between two
// corpora of different sizes (and saves snapshots). Every search must see
// one whole generation: all of corpus A or all of corpus B, never a mix,
// a part or an empty index. Run it with -race.
func TestSearchDuringSync(t *testing.T) {
	corpus := func(marker string, n int) []knowledge.Document {
		var docs []knowledge.Document
		for i := 0; i < n; i += 5 {
			var texts []string
			for j := i; j < min(i+5, n); j++ {
				texts = append(texts, fmt.Sprintf("Common passage %d of the %s corpus: the market grew %d.5%% and created %d,000 jobs.", j, marker, j, j+1))
			}
			docs = append(docs, doc(fmt.Sprintf("%s%02d", marker, i/5), texts...))
		}
		return docs
	}
	a, b := corpus("alpha", 40), corpus("beta", 65)
	sizes := map[int]string{40: "alpha", 65: "beta"}

	st := openStore(t, t.TempDir(), newCounting().embedder())
	mustSync(t, st, a)

	ctx := context.Background()
	var stop atomic.Bool
	var searches atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	report := func(format string, args ...any) {
		select {
		case errs <- fmt.Sprintf(format, args...):
		default:
		}
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				ret, err := st.Search(ctx, "common passage corpus market", 200)
				if err != nil {
					report("Search: %v", err)
					return
				}
				searches.Add(1)
				marker, ok := sizes[ret.Passages]
				if !ok {
					report("search saw an index of %d passages", ret.Passages)
					continue
				}
				if len(ret.Hits) != ret.Passages {
					report("search saw %d hits in an index of %d", len(ret.Hits), ret.Passages)
				}
				for _, h := range ret.Hits {
					if !strings.Contains(h.Passage.Text, marker) || h.Source.ID[:len(marker)] != marker {
						report("a search of the %s index returned %s (%s)", marker, h.Passage.ID, h.Source.ID)
						break
					}
				}
				if s := st.Stats(); s.Passages != 40 && s.Passages != 65 {
					report("Stats saw %d passages", s.Passages)
				}
			}
		}()
	}
	for i := 0; i < 12; i++ {
		next := b
		if i%2 == 1 {
			next = a
		}
		if _, err := st.Sync(ctx, next); err != nil {
			t.Errorf("Sync %d: %v", i, err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if searches.Load() == 0 {
		t.Fatal("no search ran during the syncs")
	}
	t.Logf("%d searches during 12 syncs", searches.Load())
}

// TestConcurrentSyncs: Syncs from several goroutines serialize; the last
// one wins whole.
func TestConcurrentSyncs(t *testing.T) {
	st := openStore(t, t.TempDir(), newCounting().embedder())
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.Sync(context.Background(), seedDocs()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := st.Stats().Passages; n != 5 {
		t.Errorf("%d passages after concurrent syncs of the same corpus, want 5", n)
	}
}
