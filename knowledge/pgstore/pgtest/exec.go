package pgtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Exec runs SQL statements on dsn, for tests outside knowledge/pgstore
// that set up a database state (a schema from a newer dramabot) without
// importing pgx themselves. It fails the test on an error.
func Exec(t testing.TB, dsn string, statements ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, sql := range statements {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("pgtest: %s: %v", sql, err)
		}
	}
}

// Reset drops dramabot's tables from dsn's database when it is the shared
// server of DRAMABOT_TEST_POSTGRES, so that a test starts from an empty
// database there as it does on a PGlite of its own.
func Reset(t testing.TB, dsn string) {
	t.Helper()
	if dsn != "" && dsn == envDSN() {
		Exec(t, dsn, `DROP TABLE IF EXISTS postings, terms, passages, sources, index_meta, schema_migrations CASCADE`)
	}
}

func envDSN() string { return os.Getenv(EnvDSN) }
